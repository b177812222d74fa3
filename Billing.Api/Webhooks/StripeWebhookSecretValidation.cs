using Billing.Infrastructure.Stripe;

namespace Billing.Api.Webhooks;

/// <summary>
/// With Stripe on, the API refuses to start without a webhook secret: an empty secret would verify signatures made
/// with an empty key, so anyone could post invoice and subscription events.
/// </summary>
public static class StripeWebhookSecretValidation
{
    public const string Message =
        "Stripe is enabled (Stripe:SecretKey is set) but Stripe:WebhookSecret is empty, so no Stripe webhook could be verified. "
        + "Set Stripe:WebhookSecret (the AppHost parameter stripe-webhook-secret) to the signing secret (whsec_…) of the webhook endpoint "
        + "registered in Stripe for /api/v1/webhooks/stripe.";

    public static WebApplicationBuilder RequireStripeWebhookSecret(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StripeOptions>()
            .Validate(options => !options.Enabled || !string.IsNullOrWhiteSpace(options.WebhookSecret), Message)
            .ValidateOnStart();
        return builder;
    }
}
