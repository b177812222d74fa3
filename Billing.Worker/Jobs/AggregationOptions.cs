namespace Billing.Worker.Jobs;

/// <summary>How aggregation is spread over workers (configuration section <c>Aggregation</c>).</summary>
public sealed class AggregationOptions
{
    public const string SectionName = "Aggregation";

    /// <summary>
    /// Tenants are split into this many lanes by a hash of their id; each lane is folded by one run at a time, and
    /// runs of different lanes (on one worker's Hangfire threads or on several workers) fold at once. More lanes than
    /// workers × their concurrent jobs add nothing. Every worker must have the same value: with different ones, two
    /// lanes could hold the same tenant, and their folds would contend (never double-count: events are claimed with
    /// <c>FOR UPDATE SKIP LOCKED</c>).
    /// </summary>
    public int Lanes { get; set; } = 4;
}
