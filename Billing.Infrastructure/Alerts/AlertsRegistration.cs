using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Alerts;

/// <summary>Usage alerts: detection, the webhook deliverer and its HTTP client, telemetry.</summary>
public static class AlertsRegistration
{
    /// <summary>
    /// Registers <see cref="AlertDetector"/>, <see cref="AlertDeliverer"/> (with the <c>alert-webhooks</c> HTTP client),
    /// <see cref="AlertMetrics"/> and the <c>Alerts</c> options. Needs <c>AddBillingDatabase</c>.
    /// </summary>
    public static IHostApplicationBuilder AddBillingAlerts(this IHostApplicationBuilder builder)
    {
        builder.AddAlertOptions();
        builder.Services.AddSingleton<AlertMetrics>();
        builder.Services.AddMemoryCache();
        builder.Services.TryAddScoped<Tenancy.TenantBillingStore>();
        builder.Services.AddScoped<AlertDetector>();
        builder.Services.AddScoped<AlertDeliverer>();
        builder.Services.AddHttpClient(AlertDeliverer.HttpClientName, (sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<AlertOptions>>().Value.DeliveryTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("Billing-Alerts/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
                WebhookConnections.CreateHandler(sp.GetRequiredService<IOptions<AlertOptions>>().Value.AllowPrivateNetworks))
            // The service defaults' handlers do not fit a tenant's endpoint: their retries would hide failed attempts
            // from the backoff and its attempt count, and service discovery would resolve a tenant's host name
            // against our own services.
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear());
        return builder;
    }

    /// <summary>The <c>Alerts</c> options, <see cref="AlertOptions.AllowHttp"/> defaulting to whether this is Development.</summary>
    public static IHostApplicationBuilder AddAlertOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<AlertOptions>(builder.Configuration.GetSection(AlertOptions.SectionName));
        var development = builder.Environment.IsDevelopment();
        builder.Services.PostConfigure<AlertOptions>(options => options.AllowHttp ??= development);
        return builder;
    }
}
