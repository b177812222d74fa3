using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Endpoints;
using Billing.StripeEmulator.Pages;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Webhooks;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator;

/// <summary>Builds the emulator; tests call it directly to host the emulator on a real port.</summary>
public static class EmulatorApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        configure?.Invoke(builder);
        builder.Services.Configure<EmulatorOptions>(builder.Configuration.GetSection(EmulatorOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EmulatorClock>();
        builder.Services.AddSingleton<StateStore>();
        builder.Services.AddSingleton<EmulatorRuntime>();
        builder.Services.AddSingleton<FaultRegistry>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        builder.Services.AddHostedService<BillingTicker>();

        var app = builder.Build();
        var runtime = app.Services.GetRequiredService<EmulatorRuntime>();
        runtime.Store.Write(state => EmulatorSetup.EnsureConfiguredEndpoint(state, runtime.Options, runtime.Clock.WallNow));

        app.UseMiddleware<StripeMiddleware>();
        app.MapDefaultEndpoints();
        app.MapProducts();
        app.MapPrices();
        app.MapCustomers();
        app.MapMeters();
        app.MapMeterEvents();
        app.MapMeterEventStream();
        app.MapSubscriptions();
        app.MapSubscriptionItems();
        app.MapInvoices();
        app.MapTestClocks();
        app.MapWebhookEndpoints();
        app.MapEvents();
        app.MapControl();
        app.MapInvoicePages();
        app.MapFallback("/v1/{**rest}", (HttpContext http) => Unrecognized(http));
        app.MapFallback("/v2/{**rest}", (HttpContext http) => Unrecognized(http));
        return app;
    }

    private static Task Unrecognized(HttpContext http) => ErrorWriter.WriteAsync(http,
        new StripeError(System.Net.HttpStatusCode.NotFound, "invalid_request_error", $"Unrecognized request URL ({http.Request.Method}: {http.Request.Path}).",
            "resource_missing"));
}
