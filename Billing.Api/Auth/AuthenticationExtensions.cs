using Microsoft.AspNetCore.Authentication;

namespace Billing.Api.Auth;

/// <summary>API-key authentication, the three policies and <see cref="CurrentTenant"/>.</summary>
public static class AuthenticationExtensions
{
    /// <summary>Registers the bearer API-key scheme, the <c>operator</c>/<c>tenant</c> policies and <see cref="CurrentTenant"/>.</summary>
    public static WebApplicationBuilder AddApiKeyAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.SectionName));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Operator, policy => policy.RequireClaim(AuthPolicies.RoleClaim, AuthPolicies.Operator))
            .AddPolicy(AuthPolicies.Tenant, policy => policy.RequireClaim(AuthPolicies.RoleClaim, AuthPolicies.Tenant))
            .AddPolicy(AuthPolicies.OperatorOrTenant, policy => policy.RequireClaim(AuthPolicies.RoleClaim, AuthPolicies.Operator, AuthPolicies.Tenant));
        builder.Services.AddMemoryCache();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CurrentTenant>();
        return builder;
    }
}
