namespace Billing.Infrastructure.Data.Entities;

/// <summary>The inbox of Stripe webhook events: stored (unique by event id) before anything else happens.</summary>
public sealed class WebhookEvent
{
    public long Id { get; set; }
    public required string StripeEventId { get; set; }
    public required string Type { get; set; }
    public string? ApiVersion { get; set; }
    public DateTimeOffset StripeCreatedAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string Payload { get; set; }

    /// <summary><c>received</c>, <c>processed</c>, <c>ignored</c> or <c>failed</c>.</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }

    /// <summary>After a failed attempt, the earliest time of the next (exponential backoff).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
}
