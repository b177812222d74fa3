namespace Billing.Domain.Catalog;

/// <summary>How a metric's reported values combine over a billing period.</summary>
public enum MetricAggregation
{
    Sum,
    Max,
    Last,
}
