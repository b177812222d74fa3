namespace Billing.Infrastructure.Metering;

/// <summary>
/// One of <see cref="Count"/> disjoint sets of tenants (by a hash of the tenant id) that aggregation runs fold
/// separately: runs of different lanes, on one worker or several, fold at the same time without touching the same
/// windows; runs of one lane take turns (the worker's lane lock).
/// </summary>
public sealed record AggregationLane(int Index, int Count)
{
    /// <summary>Every tenant: one lane.</summary>
    public static readonly AggregationLane All = new(0, 1);

    public static IEnumerable<AggregationLane> Of(int count) => Enumerable.Range(0, count).Select(index => new AggregationLane(index, count));
}
