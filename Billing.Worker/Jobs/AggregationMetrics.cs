using System.Diagnostics.Metrics;

namespace Billing.Worker.Jobs;

/// <summary>Aggregation telemetry (meter <c>Billing.Aggregation</c>).</summary>
public sealed class AggregationMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private double _lagSeconds;

    public AggregationMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create("Billing.Aggregation");
        _events = _meter.CreateCounter<long>("billing.usage.aggregated", "{event}", "Usage events folded into aggregates");
        _meter.CreateObservableGauge("billing.usage.aggregation.lag", () => _lagSeconds, "s", "Age of the oldest event not yet aggregated");
    }

    public void Record(long events, TimeSpan lag)
    {
        _events.Add(events);
        _lagSeconds = lag.TotalSeconds;
    }

    public void Dispose() => _meter.Dispose();
}
