namespace Billing.Infrastructure.Data.Entities;

/// <summary>One Stripe meter event per (tenant, metric, 5-minute bucket), with a deterministic identifier.</summary>
public sealed class MeterSubmission
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Metric { get; set; }
    public DateTimeOffset BucketStart { get; set; }

    /// <summary>Stripe's meter event <c>identifier</c>: derived from tenant, metric and bucket, so a resend dedups.</summary>
    public required string Identifier { get; set; }

    public long Value { get; set; }

    /// <summary><c>pending</c>, <c>sent</c> or <c>failed</c>.</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
}
