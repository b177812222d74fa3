using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Stripe;

namespace Billing.Infrastructure.Stripe;

/// <summary>The Stripe.net client, pointed at Stripe or at the local emulator by configuration alone.</summary>
public static class StripeRegistration
{
    /// <summary>
    /// Registers the <see cref="StripeClient"/>, the catalog sync, customers and subscriptions, plan changes, Checkout
    /// and the customer portal, and webhook processing. Plan changes and webhooks evict tenant caches, so this needs <c>AddBillingCache</c>.
    /// </summary>
    public static IHostApplicationBuilder AddBillingStripe(this IHostApplicationBuilder builder)
    {
        builder.AddBillingStripeClient();
        builder.Services.Configure<PaymentsOptions>(builder.Configuration.GetSection(PaymentsOptions.SectionName));
        builder.Services.AddScoped<StripeCheckout>();
        builder.Services.AddScoped<SubscriptionChanges>();
        builder.Services.AddScoped<WebhookProcessor>();
        return builder;
    }

    /// <summary>
    /// Registers the <see cref="StripeClient"/> and what needs no cache: the catalog sync, customers, their cards and
    /// starting subscriptions. Enough for the migration service, which runs before the services and has no Redis.
    /// </summary>
    public static IHostApplicationBuilder AddBillingStripeClient(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<StripeOptions>(builder.Configuration.GetSection(StripeOptions.SectionName));
        // Stripe.net retries with the same Idempotency-Key itself; a second retry layer would only multiply attempts.
#pragma warning disable EXTEXP0001 // Experimental but stable in practice; the alternative is a client without service defaults.
        builder.Services.AddHttpClient("stripe").RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StripeOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("stripe");
            return new StripeClient(new StripeClientOptions
            {
                ApiKey = options.SecretKey ?? "sk_test_not_configured",
                ApiBase = options.ApiBase ?? StripeClientOptionsDefaults.ApiBase,
                MeterEventsBase = options.MeterEventsBase ?? options.ApiBase ?? StripeClientOptionsDefaults.MeterEventsBase,
                HttpClient = new SystemNetHttpClient(http),
            });
        });
        builder.Services.AddScoped<CatalogSync>();
        builder.Services.AddScoped<StripeCustomers>();
        builder.Services.AddScoped<StripeCatalogIds>();
        builder.Services.AddScoped<StripeSubscriptions>();
        builder.Services.AddScoped<StripePaymentMethods>();
        return builder;
    }

    private static class StripeClientOptionsDefaults
    {
        public const string ApiBase = "https://api.stripe.com";
        public const string MeterEventsBase = "https://meter-events.stripe.com";
    }
}
