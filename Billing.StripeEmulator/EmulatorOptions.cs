using System.Globalization;

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

    /// <summary>
    /// How long a renewal's invoice stays a draft before it is finalized and collected; its metered lines are priced again
    /// then, so usage that reaches the meters after the period's end, stamped inside the period, is billed. Stripe waits
    /// about an hour (3600); 0, the default, finalizes at the period's end.
    /// </summary>
    public long RenewalDraftSeconds { get; set; }

    /// <summary>
    /// Stands in for Smart Retries: days after a renewal's first failed payment at which it is tried again, comma-separated,
    /// ascending (<c>3,5,7</c>); empty for no retries.
    /// </summary>
    public string PaymentRetryDays { get; set; } = "3,5,7";

    /// <summary>What the last failed retry does to the subscription: <c>unpaid</c>, <c>cancel</c> or <c>past_due</c> (left as it is).</summary>
    public string AfterFinalRetry { get; set; } = FinalRetryOutcomes.Unpaid;

    /// <summary>Whether the customer portal offers to cancel the subscription at the period's end.</summary>
    public bool PortalCancellation { get; set; } = true;

    /// <summary>The retry schedule in days, or null when <see cref="PaymentRetryDays"/> is not a list of ascending positive whole days.</summary>
    public IReadOnlyList<long>? RetryDays()
    {
        var days = new List<long>();
        foreach (var part in PaymentRetryDays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day < 1 || (days.Count > 0 && day <= days[^1]))
            {
                return null;
            }

            days.Add(day);
        }

        return days;
    }
}

public static class FinalRetryOutcomes
{
    public const string Unpaid = "unpaid";
    public const string Cancel = "cancel";
    public const string PastDue = "past_due";

    public static bool IsKnown(string value) => value is Unpaid or Cancel or PastDue;
}
