using System.Net;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Endpoints;
using Billing.StripeEmulator.Hosting;
using Billing.StripeEmulator.Pages;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Webhooks;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator;

/// <summary>Builds the emulator; tests call it to host the emulator on a real port.</summary>
public static class EmulatorApp
{
    /// <param name="args">Command-line arguments, as for any ASP.NET application.</param>
    /// <param name="configure">Lets tests replace services (a fake <see cref="TimeProvider"/>) before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.Services.AddOptions<EmulatorOptions>().Bind(builder.Configuration.GetSection(EmulatorOptions.Section))
            .Validate(o => o.RetryDays() is not null, "Emulator:PaymentRetryDays must list ascending whole days, e.g. 3,5,7.")
            .Validate(o => FinalRetryOutcomes.IsKnown(o.AfterFinalRetry), "Emulator:AfterFinalRetry must be unpaid, cancel or past_due.")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EmulatorClock>();
        builder.Services.AddSingleton<StateStore>();
        builder.Services.AddSingleton<EmulatorRuntime>();
        builder.Services.AddSingleton<FaultRegistry>();
        builder.Services.AddSingleton<ListeningAddresses>();
        builder.Services.AddHostedService<BillingTicker>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<EmulatorRuntime>().Seed();
        app.Lifetime.ApplicationStarted.Register(() => WarnWhenOpen(app));
        app.MapDefaultEndpoints();
        app.UseMiddleware<StripeMiddleware>();

        app.MapCatalog();
        app.MapCustomers();
        app.MapMeters();
        app.MapMeterEvents();
        app.MapMeterEventsV2();
        app.MapTestClocks();
        app.MapSubscriptions();
        app.MapSubscriptionItems();
        app.MapInvoices();
        app.MapPaymentMethods();
        app.MapCheckoutSessions();
        app.MapPortalSessions();
        app.MapWebhookEndpoints();
        app.MapEvents();
        app.MapControlSurface();
        app.MapInvoicePages();
        app.MapCheckoutPages();
        app.MapPortalPages();
        app.MapFallback("/v1/{**rest}", Unrecognized);
        app.MapFallback("/v2/{**rest}", Unrecognized);
        return app;
    }

    private static void WarnWhenOpen(WebApplication app)
    {
        var beyondLoopback = app.Services.GetRequiredService<ListeningAddresses>().BeyondLoopback;
        if (beyondLoopback.Count > 0 && string.IsNullOrEmpty(app.Services.GetRequiredService<EmulatorRuntime>().Options.ApiKey))
        {
            app.Logger.LogWarning("Listening beyond loopback ({Addresses}) without Emulator:ApiKey: the control surface is closed and the API "
                + "accepts any sk_test_ key. Set Emulator:ApiKey.", string.Join(", ", beyondLoopback));
        }
    }

    private static Task Unrecognized(HttpContext http) => ErrorWriter.WriteAsync(http,
        new StripeError(HttpStatusCode.NotFound, "invalid_request_error", $"Unrecognized request URL ({http.Request.Method}: {http.Request.Path}).", "resource_missing"));
}
