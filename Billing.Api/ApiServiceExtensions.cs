using System.Text.Json.Serialization;
using Billing.Api.Auth;
using Billing.Api.Problems;
using Billing.Api.StripeRoutes;
using Billing.Infrastructure;
using Billing.Infrastructure.Alerts;
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
        builder.AddBillingDatabase();
        builder.AddBillingCache();
        builder.AddBillingMetering();
        builder.AddUsageStream();
        builder.AddBillingStripe();
        builder.AddAlertOptions();
        builder.AddStripeRouteLimits();
        builder.Services.AddApiProblemDetails();
        builder.Services.AddValidation();
        // A number is a JSON number: "12" is refused, as the usage events parser refuses it, rather than read as 12.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        builder.Services.AddOpenApi();
        builder.AddApiKeyAuthentication();
        builder.AddPerKeyRateLimiting();
        return builder;
    }

    /// <summary>Errors become RFC 9457 problems (thrown, or empty 4xx such as 401/403/404), then authentication.</summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseApiExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseTenantScope();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The OpenAPI document always (other services generate clients from it); Scalar's UI in Development.</summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
