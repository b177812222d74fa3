using Billing.Api.ApiKeys;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Billing.Api.Auth;

/// <summary>API-key authentication, the three policies, scopes and <see cref="CurrentTenant"/>.</summary>
public static class AuthenticationExtensions
{
    /// <summary>
    /// Registers the bearer API-key scheme with its verifier and caches, the <c>operator</c>/<c>tenant</c> policies, the
    /// scope requirement and its 403 problem, <see cref="CurrentTenant"/>, and the batched writes of keys' last use.
    /// </summary>
    public static WebApplicationBuilder AddApiKeyAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.SectionName));
        builder.Services.Configure<RateLimitingOptions>(builder.Configuration.GetSection(RateLimitingOptions.SectionName));
        builder.Services.Configure<ApiKeyOptions>(builder.Configuration.GetSection(ApiKeyOptions.SectionName));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Operator, policy => policy.RequireClaim(AuthPolicies.RoleClaim, AuthPolicies.Operator))
            .AddPolicy(AuthPolicies.Tenant, policy => policy.RequireClaim(AuthPolicies.RoleClaim, AuthPolicies.Tenant))
            .AddPolicy(AuthPolicies.OperatorOrTenant, policy => policy.RequireClaim(AuthPolicies.RoleClaim, AuthPolicies.Operator, AuthPolicies.Tenant));
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<UnknownApiKeys>();
        builder.Services.AddSingleton<InvalidKeyThrottle>();
        builder.Services.AddSingleton<AuthMetrics>();
        builder.Services.AddSingleton<ApiKeyVerifier>();
        builder.Services.AddSingleton<ApiKeyLastUsedBuffer>();
        builder.Services.AddSingleton<ApiKeyLastUsedFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiKeyLastUsedFlusher>());
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CurrentTenant>();
        return builder;
    }
}
