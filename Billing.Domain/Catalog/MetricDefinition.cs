namespace Billing.Domain.Catalog;

/// <summary>What a metric measures and how its values combine over a period.</summary>
public sealed record MetricDefinition(Metric Metric, string Key, string Unit, MetricKind Kind, MetricAggregation Aggregation);
