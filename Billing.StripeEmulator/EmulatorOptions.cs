namespace Billing.StripeEmulator;

/// <summary>The <c>Emulator</c> configuration section.</summary>
public sealed class EmulatorOptions
{
    public const string Section = "Emulator";

    public const string DefaultApiVersion = "2026-10-28.endive";

    /// <summary>When set, requests must carry exactly this bearer key; otherwise any <c>sk_test_</c> key is accepted.</summary>
    public string? ApiKey { get; set; }

    /// <summary>With <see cref="WebhookSecret"/>, a webhook endpoint ensured at start-up (enabled_events ["*"]).</summary>
    public string? WebhookUrl { get; set; }

    public string? WebhookSecret { get; set; }

    /// <summary>JSON file holding the state across restarts; in memory only when empty.</summary>
    public string? DataFile { get; set; }

    /// <summary>Base of hosted invoice and PDF links; defaults to the address the last request came to.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>First retry delay of a failed webhook delivery; doubles on each attempt.</summary>
    public int WebhookRetryBaseMs { get; set; } = 5_000;

    /// <summary>Attempts per delivery before giving up.</summary>
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>How long one delivery may take before it counts as failed.</summary>
    public int WebhookTimeoutMs { get; set; } = 10_000;

    /// <summary>How often the global clock is checked for subscription periods that have ended.</summary>
    public int BillingTickMs { get; set; } = 1_000;
}
