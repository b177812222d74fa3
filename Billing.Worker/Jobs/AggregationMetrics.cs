using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Billing.Worker.Jobs;

/// <summary>Aggregation telemetry (meter and activity source <c>Billing.Aggregation</c>).</summary>
public sealed class AggregationMetrics : IDisposable
{
    public const string Name = "Billing.Aggregation";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Counter<long> _setAside;
    private double _lagSeconds;

    public AggregationMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _events = _meter.CreateCounter<long>("billing.usage.aggregated", "{event}", "Usage events folded into aggregates");
        _setAside = _meter.CreateCounter<long>("billing.usage.set_aside", "{event}", "Usage events that cannot be aggregated, set aside for the operator");
        _meter.CreateObservableGauge("billing.usage.aggregation.lag", () => _lagSeconds, "s", "Age of the oldest event not yet aggregated");
    }

    public void Record(long events, long setAside, TimeSpan lag)
    {
        _events.Add(events);
        _setAside.Add(setAside);
        _lagSeconds = lag.TotalSeconds;
    }

    /// <summary>
    /// A span for one aggregated batch, recorded once the batch has committed (only then are its events known): it
    /// continues the trace of the first ingesting request and links the others, so an event's trace runs from
    /// ingestion through aggregation to submission.
    /// </summary>
    public static void TraceBatch(DateTimeOffset started, long events, IReadOnlyList<string> traceParents)
    {
        var contexts = traceParents.Select(p => ActivityContext.TryParse(p, null, out var c) ? c : default).Where(c => c != default).ToList();
        if (contexts.Count == 0)
        {
            return;
        }

        using var activity = ActivitySource.StartActivity("aggregate usage", ActivityKind.Internal, contexts[0],
            links: contexts.Skip(1).Select(c => new ActivityLink(c)), startTime: started);
        activity?.SetTag("billing.aggregation.events", events);
    }

    public void Dispose() => _meter.Dispose();
}
