namespace Billing.Domain.Catalog;

/// <summary>Counters accumulate events; gauges report a current level.</summary>
public enum MetricKind
{
    Counter,
    Gauge,
}
