namespace Billing.Infrastructure.Data.Entities;

/// <summary>Usage per (tenant, metric, 1-minute window): a sum for counters, max or last for gauges.</summary>
public sealed class UsageAggregate
{
    public Guid TenantId { get; set; }
    public required string Metric { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public long Value { get; set; }
    public int EventCount { get; set; }

    /// <summary>For <c>last</c> gauges: the timestamp of the event whose value is kept.</summary>
    public DateTimeOffset? LastEventAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
