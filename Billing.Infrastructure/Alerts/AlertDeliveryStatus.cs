namespace Billing.Infrastructure.Alerts;

/// <summary>Where an alert's webhook stands (<c>usage_alerts.delivery_status</c>).</summary>
public static class AlertDeliveryStatus
{
    /// <summary>Waiting for its next attempt at <c>next_attempt_at</c>.</summary>
    public const string Pending = "pending";

    public const string Delivered = "delivered";

    /// <summary>Every attempt failed; no more will be made.</summary>
    public const string Failed = "failed";

    /// <summary>The tenant had no webhook URL when the alert came up for delivery; it is still listed.</summary>
    public const string Skipped = "skipped";
}
