namespace Billing.Infrastructure.Data.Entities;

/// <summary>A crossed threshold (50 / 80 / 100 %), once per period; also the outbox row for its webhook.</summary>
public sealed class UsageAlert
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }

    /// <summary><c>included</c> (of a metric's included quantity) or <c>spend</c> (of the tenant's spend limit).</summary>
    public required string Kind { get; set; }

    /// <summary>The metric for <c>included</c> alerts; null for spend alerts.</summary>
    public string? Metric { get; set; }

    public int ThresholdPercent { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public long Value { get; set; }
    public long Limit { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary><c>pending</c>, <c>delivered</c>, <c>failed</c> or <c>skipped</c> (no URL configured).</summary>
    public required string DeliveryStatus { get; set; }

    public int DeliveryAttempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public string? LastError { get; set; }
}
