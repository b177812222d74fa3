using System.Text.Json.Serialization;
using Billing.Api.Auth;
using Billing.Api.Dashboard;
using Billing.Api.Gateway;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Api.StripeRoutes;
using Billing.Api.Webhooks;
using Billing.Infrastructure;
using Billing.Infrastructure.Alerts;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Stripe;
using Scalar.AspNetCore;

namespace Billing.Api;

/// <summary>Registrations and the request pipeline of the API, kept out of <c>Program.cs</c>.</summary>
public static class ApiServiceExtensions
{
    /// <summary>Database, cache, authentication, problem details, validation and OpenAPI.</summary>
    public static WebApplicationBuilder AddApiServices(this WebApplicationBuilder builder)
    {
        builder.AddHttpSecurity();
        // Outside a tenant key's scope the API works for the operator (and looks keys up): every tenant, few tables.
        builder.AddBillingDatabase(roleOutsideTenantScope: DatabaseRoles.Operator);
        builder.AddBillingCache();
        builder.AddBillingMetering();
        builder.AddUsageStream();
        builder.AddBillingStripe();
        builder.RequireStripeWebhookSecret();
        builder.LimitRequestBodies();
        builder.AddAlertOptions();
        builder.AddStripeRouteLimits();
        builder.Services.AddApiProblemDetails();
        builder.Services.AddValidation();
        // A number is a JSON number: "12" is refused, as the usage events parser refuses it, rather than read as 12.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        builder.Services.AddOpenApi();
        builder.AddApiKeyAuthentication();
        builder.AddPerKeyRateLimiting();
        builder.AddGatewayAuthorizer();
        return builder;
    }

    /// <summary>
    /// The client's address and scheme from trusted proxies, HSTS and <c>nosniff</c>; errors become RFC 9457 problems
    /// (thrown, or empty 4xx such as 401/403/404), shaped for nginx on the gateway authorizer; the dashboard's files; then
    /// authentication.
    /// </summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseHttpSecurity();
        app.UseGatewayAnswers();
        app.UseApiExceptionHandler();
        app.UseDashboardFiles();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseTenantScope();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// The OpenAPI document and Scalar's reference: open in Development; elsewhere behind the operator key, or not served
    /// (<see cref="ApiReferenceOptions"/>), since they map every route an attacker could probe.
    /// </summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapOpenApi();
            app.MapScalarApiReference();
            return app;
        }

        var options = app.Configuration.GetSection(ApiReferenceOptions.SectionName).Get<ApiReferenceOptions>() ?? new ApiReferenceOptions();
        if (options.Access == ApiReferenceAccess.Operator)
        {
            app.MapOpenApi().RequireAuthorization(AuthPolicies.Operator);
            app.MapScalarApiReference().RequireAuthorization(AuthPolicies.Operator);
        }

        return app;
    }
}
