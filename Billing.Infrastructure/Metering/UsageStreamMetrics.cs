using System.Diagnostics.Metrics;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Telemetry of the usage stream, on the <c>Billing.Metering</c> meter: the backlog (what PostgreSQL does not hold yet),
/// what the drainers committed, what they took over from dead consumers, and requests recorded synchronously because
/// the stream was unavailable.
/// </summary>
public sealed class UsageStreamMetrics
{
    private readonly Counter<long> _drained;
    private readonly Counter<long> _claimed;
    private readonly Counter<long> _setAside;
    private readonly Counter<long> _fallbacks;
    private long _backlog;

    public UsageStreamMetrics(IMeterFactory meterFactory)
    {
        // The factory hands out one meter per name and disposes it; IngestionMetrics holds the same one.
        var meter = meterFactory.Create(IngestionMetrics.MeterName);
        _drained = meter.CreateCounter<long>("billing.usage.stream.drained", "{event}", "Events committed from the usage stream, by outcome (accepted, duplicate)");
        _claimed = meter.CreateCounter<long>("billing.usage.stream.claimed", "{entry}", "Stream entries taken over from a consumer presumed dead");
        _setAside = meter.CreateCounter<long>("billing.usage.stream.set_aside", "{entry}", "Stream entries that could not be committed, kept aside for an operator");
        _fallbacks = meter.CreateCounter<long>("billing.usage.stream.fallback", "{request}", "Metered requests recorded synchronously in PostgreSQL because the stream was unavailable");
        meter.CreateObservableGauge("billing.usage.stream.backlog", () => Interlocked.Read(ref _backlog), "{entry}",
            "Stream entries not yet committed to PostgreSQL, as last measured by this replica's drainer");
    }

    public void RecordDrained(int accepted, int duplicates)
    {
        _drained.Add(accepted, new KeyValuePair<string, object?>("outcome", "accepted"));
        _drained.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
    }

    public void RecordClaimed(int entries) => _claimed.Add(entries);

    public void RecordSetAside() => _setAside.Add(1);

    public void RecordFallback() => _fallbacks.Add(1);

    public void RecordBacklog(long entries) => Interlocked.Exchange(ref _backlog, entries);
}
