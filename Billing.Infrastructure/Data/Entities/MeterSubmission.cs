namespace Billing.Infrastructure.Data.Entities;

/// <summary>
/// One Stripe meter event: for counters the usage of a (tenant, metric, 5-minute bucket) not yet submitted
/// (a late event adds a further revision carrying only the difference); for gauges the period's value.
/// Written in the transaction that closes the bucket, sent afterwards, marked sent on Stripe's answer.
/// </summary>
public sealed class MeterSubmission
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Metric { get; set; }

    /// <summary>Start of the part of the bucket this row covers: the bucket start, or a billing period boundary inside it.</summary>
    public DateTimeOffset BucketStart { get; set; }

    /// <summary>0 for the first submission of the part, then one more for each later correction.</summary>
    public int Revision { get; set; }

    /// <summary>The meter event's <c>timestamp</c>: decides the Stripe billing period (and, for gauges, which value is last).</summary>
    public DateTimeOffset EventTimestamp { get; set; }

    /// <summary>Stripe's meter event <c>identifier</c>: derived from tenant, metric, part and revision, so a resend dedups.</summary>
    public required string Identifier { get; set; }

    public long Value { get; set; }

    /// <summary><c>pending</c>, <c>sent</c>, <c>failed</c> (Stripe refused it for good) or <c>skipped</c> (no Stripe customer).</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>First call to Stripe: Stripe dedups identifiers for 24 hours, so an older unconfirmed row is checked before a resend.</summary>
    public DateTimeOffset? FirstAttemptAt { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>W3C trace parent carried from the ingesting request through the aggregate.</summary>
    public string? TraceParent { get; set; }
}

public static class SubmissionStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
}
