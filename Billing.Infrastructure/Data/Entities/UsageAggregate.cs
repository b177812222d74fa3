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

    /// <summary>Id of that event: ties in time go to the later id, as they do in the raw events, so reads mixing windows and events stay exact.</summary>
    public long LastEventId { get; set; }

    /// <summary>Set whenever aggregation changes the window, cleared when its bucket's submission is written.</summary>
    public bool SubmissionPending { get; set; }

    /// <summary>Trace parent of the newest event folded in, so the submission joins the ingestion's trace.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
