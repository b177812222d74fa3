using System.Diagnostics.Metrics;

namespace Billing.Infrastructure.Metering;

/// <summary>Ingestion telemetry (meter <c>Billing.Metering</c>), shown in the Aspire dashboard.</summary>
public sealed class IngestionMetrics : IDisposable
{
    public const string MeterName = "Billing.Metering";

    private readonly Meter _meter;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _commitMs;
    private readonly Histogram<long> _groupSize;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _accepted = _meter.CreateCounter<long>("billing.usage.events.accepted", "{event}", "Usage events stored");
        _duplicates = _meter.CreateCounter<long>("billing.usage.events.duplicate", "{event}", "Usage events refused as duplicates");
        _rejected = _meter.CreateCounter<long>("billing.usage.events.rejected", "{event}", "Usage events refused as invalid");
        _commitMs = _meter.CreateHistogram<double>("billing.usage.commit.duration", "ms", "Time to commit one group");
        _groupSize = _meter.CreateHistogram<long>("billing.usage.commit.events", "{event}", "Events per group commit");
    }

    public void RecordGroup(int events, TimeSpan duration)
    {
        _groupSize.Record(events);
        _commitMs.Record(duration.TotalMilliseconds);
    }

    public void RecordOutcome(int accepted, int duplicates)
    {
        _accepted.Add(accepted);
        _duplicates.Add(duplicates);
    }

    public void RecordRejected(int events) => _rejected.Add(events);

    public void Dispose() => _meter.Dispose();
}
