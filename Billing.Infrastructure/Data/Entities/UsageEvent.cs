namespace Billing.Infrastructure.Data.Entities;

/// <summary>One accepted usage event; (tenant, event id) is unique forever.</summary>
public sealed class UsageEvent
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }

    /// <summary>The client's idempotency key (≤ 100 characters).</summary>
    public required string EventId { get; set; }

    public required string Metric { get; set; }
    public long Value { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string? Properties { get; set; }

    /// <summary>Set in the transaction that adds the event to its aggregate: the exactly-once mark.</summary>
    public DateTimeOffset? AggregatedAt { get; set; }

    /// <summary>W3C trace parent of the ingesting request, so aggregation and submission join its trace.</summary>
    public string? TraceParent { get; set; }

    /// <summary>
    /// Set instead of <see cref="AggregatedAt"/> when aggregating the event fails whatever the retry (a window's total
    /// past its limit): the event is kept, counted in usage, not billed, and listed for the operator.
    /// </summary>
    public DateTimeOffset? SetAsideAt { get; set; }

    /// <summary>Why the event was set aside.</summary>
    public string? SetAsideReason { get; set; }
}
