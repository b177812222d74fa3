using Billing.Domain.Catalog;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// The Redis key of a tenant's usage of one metric in one billing period. The tenant is a hash tag
/// (<c>{…}</c>) so all of a tenant's keys and scripts stay on one Redis Cluster shard.
/// </summary>
public static class UsageCounterKey
{
    public static string For(Guid tenantId, string metric, DateTimeOffset periodStart) =>
        $"usage:{{{tenantId:N}}}:{metric}:{periodStart.ToUnixTimeSeconds()}";

    /// <summary>How the counter combines values: <c>sum</c>, <c>max</c>, or <c>last</c> (by event time).</summary>
    public static string Combine(Metric metric) => Metrics.Get(metric).Aggregation switch
    {
        MetricAggregation.Sum => "sum",
        MetricAggregation.Max => "max",
        _ => "last",
    };
}
