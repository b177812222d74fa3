using Billing.Domain.Catalog;

namespace Billing.Infrastructure.Metering;

/// <summary>Metric keys grouped by aggregation, passed to SQL that combines values per metric.</summary>
internal static class MetricSql
{
    public static string[] KeysWith(MetricAggregation aggregation) =>
        [.. Metrics.All.Where(m => m.Aggregation == aggregation).Select(m => m.Key)];
}
