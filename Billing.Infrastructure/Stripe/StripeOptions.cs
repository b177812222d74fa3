namespace Billing.Infrastructure.Stripe;

/// <summary>
/// How to reach Stripe (configuration section <c>Stripe</c>). With the local emulator the AppHost sets
/// <see cref="ApiBase"/>; against real Stripe only the keys are set and nothing else changes.
/// </summary>
public sealed class StripeOptions
{
    public const string SectionName = "Stripe";

    /// <summary><c>sk_test_…</c> / <c>sk_live_…</c>; when empty, Stripe features are off.</summary>
    public string? SecretKey { get; set; }

    /// <summary><c>whsec_…</c>: verifies <c>Stripe-Signature</c> on incoming webhooks.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Base URL of the API (the emulator); null for https://api.stripe.com.</summary>
    public string? ApiBase { get; set; }

    /// <summary>Base URL of the v2 meter event stream; defaults to <see cref="ApiBase"/> when that is set.</summary>
    public string? MeterEventsBase { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(SecretKey);
}
