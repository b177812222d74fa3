using System.Diagnostics.Metrics;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Telemetry of the usage stream and the buffer before it, on the <c>Billing.Metering</c> meter: the backlog (what
/// PostgreSQL does not hold yet), what the drainers committed, what they took over from dead consumers, requests recorded
/// synchronously because the stream was unavailable or full, the buffer's size, and what either bound turned away.
/// </summary>
public sealed class UsageStreamMetrics
{
    private readonly Counter<long> _drained;
    private readonly Counter<long> _claimed;
    private readonly Counter<long> _setAside;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _streamFull;
    private readonly Counter<long> _notReplicated;
    private readonly Counter<long> _bufferFull;
    private readonly Counter<long> _refused;
    private long _backlog;
    private Func<int>? _buffered;

    public UsageStreamMetrics(IMeterFactory meterFactory)
    {
        // The factory hands out one meter per name and disposes it; IngestionMetrics holds the same one.
        var meter = meterFactory.Create(IngestionMetrics.MeterName);
        _drained = meter.CreateCounter<long>("billing.usage.stream.drained", "{event}", "Events committed from the usage stream, by outcome (accepted, duplicate)");
        _claimed = meter.CreateCounter<long>("billing.usage.stream.claimed", "{entry}", "Stream entries taken over from a consumer presumed dead");
        _setAside = meter.CreateCounter<long>("billing.usage.stream.set_aside", "{entry}", "Stream entries that could not be committed, kept aside for an operator");
        _fallbacks = meter.CreateCounter<long>("billing.usage.stream.fallback", "{request}",
            "Metered requests (or buffer flushes) recorded synchronously in PostgreSQL because the stream was unavailable or full");
        _streamFull = meter.CreateCounter<long>("billing.usage.stream.full", "{append}",
            "Appends not made because the stream held UsageStream:MaxLength entries not yet committed");
        _notReplicated = meter.CreateCounter<long>("billing.usage.stream.not_replicated", "{append}",
            "Appends no replica confirmed in time (UsageStream:ReplicaAcks), committed to PostgreSQL too");
        _bufferFull = meter.CreateCounter<long>("billing.usage.buffer.full", "{request}",
            "Metered requests the buffer did not take because it held UsageBuffer:MaxEvents events; they recorded their usage synchronously");
        _refused = meter.CreateCounter<long>("billing.usage.unrecorded", "{request}",
            "Metered requests whose usage neither the stream nor PostgreSQL took: refused with 503 (or, after a failed handler, logged)");
        meter.CreateObservableGauge("billing.usage.buffer.size", () => _buffered?.Invoke() ?? 0, "{event}",
            "Events in this replica's usage buffer, including a flush in progress or waiting to be tried again");
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

    public void RecordStreamFull() => _streamFull.Add(1);

    public void RecordNotReplicated() => _notReplicated.Add(1);

    public void RecordBufferFull() => _bufferFull.Add(1);

    public void RecordRefused() => _refused.Add(1);

    /// <summary>Where the buffer's size gauge reads from (the buffer registers itself).</summary>
    public void ObserveBuffer(Func<int> size) => _buffered = size;
}
