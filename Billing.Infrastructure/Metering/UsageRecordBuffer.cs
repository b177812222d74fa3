using System.Collections.Concurrent;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Holds metered requests' usage events between the response and the next flush, so no request waits on the network
/// to record what it consumed. A flush sends everything waiting as one usage stream entry (one <c>XADD</c>), then
/// advances the counters of the events a reservation did not count already, in one pipelined script per tenant, and
/// renews the local views from the counters' values. The entry carries every event as counted, so the drainer's commit
/// does not count them a second time. When the stream does not take the entry, the batch is committed to PostgreSQL
/// through the group commit with the events' own flags (which then advances the counters), as
/// <see cref="MeteredUsageRecorder"/> does for one request. Event ids are the requests' own, so a batch delivered twice
/// (an <c>XADD</c> that timed out but landed, then the fallback) is stored once. What a hard crash can lose is
/// described in docs/metering-pipeline.md. The buffer holds at most <see cref="UsageBufferOptions.MaxEvents"/> events,
/// counting a batch from the moment it is taken for a flush until it is stored, so batches that neither Redis nor
/// PostgreSQL take (and that wait here for the next try) fill it too; past the bound it takes nothing more, and the
/// request records its usage itself.
/// </summary>
public sealed class UsageRecordBuffer
{
    private readonly ConcurrentQueue<NewUsageEvent> _waiting = new();
    private readonly SemaphoreSlim _full = new(0);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly BoundCrossing _bound = new();
    private readonly UsageStream _stream;
    private readonly UsageIngestionQueue _ingestion;
    private readonly UsageViews _views;
    private readonly UsageCounters _counters;
    private readonly IConnectionMultiplexer _redis;
    private readonly UsageStreamMetrics _metrics;
    private readonly ILogger<UsageRecordBuffer> _logger;
    private readonly int _maxBatch;
    private int _count;
    private int _signalled;

    public UsageRecordBuffer(
        UsageStream stream,
        UsageIngestionQueue ingestion,
        UsageViews views,
        UsageCounters counters,
        IConnectionMultiplexer redis,
        UsageStreamMetrics metrics,
        IOptions<UsageBufferOptions> options,
        ILogger<UsageRecordBuffer> logger)
    {
        (_stream, _ingestion, _views, _counters, _redis, _metrics, _logger) = (stream, ingestion, views, counters, redis, metrics, logger);
        _maxBatch = Math.Clamp(options.Value.MaxBatchEvents, 1, 100_000);
        MaxEvents = options.Value.MaxEvents;
        metrics.ObserveBuffer(() => Count);
    }

    /// <summary>Requests hand their usage here (buffering is on and the stream enabled).</summary>
    public bool Enabled => _views.Enabled;

    /// <summary>Events held: waiting for a flush, or taken by one and not yet stored.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The most events the buffer holds (<see cref="UsageBufferOptions.MaxEvents"/>).</summary>
    public int MaxEvents { get; }

    /// <summary>
    /// Takes a request's events, which are in the stream or PostgreSQL after the next flush; false, taking none of them,
    /// when they would pass <see cref="MaxEvents"/>: the caller then stores them itself.
    /// </summary>
    public bool TryAdd(IReadOnlyList<NewUsageEvent> events)
    {
        var count = Interlocked.Add(ref _count, events.Count);
        if (count > MaxEvents)
        {
            Interlocked.Add(ref _count, -events.Count);
            _metrics.RecordBufferFull();
            if (_bound.Pass())
            {
                _logger.LogWarning("The usage buffer holds {Count} events (UsageBuffer:MaxEvents is {MaxEvents}): metered requests record their usage "
                    + "synchronously, and are refused when nothing stores it", count - events.Count, MaxEvents);
            }

            return false;
        }

        foreach (var e in events)
        {
            // Into the view before the queue, so a flush never takes away units the view has not been given.
            if (!e.Precounted)
            {
                _views.Consumed(UsageViews.Key.Of(e), e.Value);
            }

            _waiting.Enqueue(e);
        }

        if (count >= _maxBatch && Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _full.Release();
        }

        return true;
    }

    /// <summary>Waits until a full batch is waiting or <paramref name="timeout"/> passed.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _full.WaitAsync(timeout, cancellationToken);

    /// <summary>
    /// Sends everything waiting, in batches of at most <see cref="UsageBufferOptions.MaxBatchEvents"/>. Returns false
    /// when a batch could be stored neither in the stream nor in PostgreSQL: it waits in the buffer for the next try.
    /// </summary>
    public async Task<bool> FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            Interlocked.Exchange(ref _signalled, 0);
            while (!_waiting.IsEmpty)
            {
                var batch = new List<NewUsageEvent>(Math.Min(_maxBatch, Count));
                while (batch.Count < _maxBatch && _waiting.TryDequeue(out var e))
                {
                    batch.Add(e);
                }

                // One entry per shard of the usage stream (one on a single Redis): an entry lives in one hash slot.
                var parts = batch.GroupBy(e => _stream.ShardOf(e.TenantId)).Select(g => g.ToList()).ToList();
                for (var i = 0; i < parts.Count; i++)
                {
                    bool sent;
                    try
                    {
                        sent = await SendAsync(parts[i]);
                    }
                    catch
                    {
                        // Whatever went wrong, the events are kept for the next flush rather than dropped.
                        Requeue(parts.Skip(i).SelectMany(p => p));
                        throw;
                    }

                    if (!sent)
                    {
                        Requeue(parts.Skip(i).SelectMany(p => p));
                        return false;
                    }

                    // Counted until stored, so a batch that waits for the next try keeps its place within the bound.
                    Interlocked.Add(ref _count, -parts[i].Count);
                }
            }

            if (_bound.Clear())
            {
                _logger.LogInformation("The usage buffer is flushed and takes metered requests' usage again");
            }

            return true;
        }
        finally
        {
            _flushing.Release();
        }
    }

    private void Requeue(IEnumerable<NewUsageEvent> batch)
    {
        foreach (var e in batch)
        {
            _waiting.Enqueue(e);
        }
    }

    private async Task<bool> SendAsync(List<NewUsageEvent> batch)
    {
        var advances = new Dictionary<UsageViews.Key, long>();
        var entry = new List<NewUsageEvent>(batch.Count);
        foreach (var e in batch)
        {
            if (!e.Precounted)
            {
                var key = UsageViews.Key.Of(e);
                advances[key] = advances.GetValueOrDefault(key) + e.Value;
            }

            entry.Add(e.Precounted ? e : e with { Precounted = true });
        }

        bool appended;
        try
        {
            appended = await _stream.TryAppendAsync(entry);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            _logger.LogWarning(e, "Usage stream unavailable; {Count} buffered usage events are committed to PostgreSQL directly", batch.Count);
            appended = false;
        }

        if (!appended)
        {
            // The stream is unavailable or full (which it logged once).
            _metrics.RecordFallback();
            if (!await CommitAsync(batch))
            {
                return false;
            }

            // The group commit advanced the counters after the commit; the views read them again before their next use.
            foreach (var (key, units) in advances)
            {
                _views.Flushed(key, units, counted: null, reading: 0);
            }

            return true;
        }

        await AdvanceAsync(advances);
        return true;
    }

    /// <summary>The fallback, retried once as a single request's is; false when PostgreSQL took it neither time.</summary>
    private async Task<bool> CommitAsync(List<NewUsageEvent> batch)
    {
        try
        {
            await _ingestion.SubmitWithRetryAsync(batch);
            return true;
        }
        catch (UsageStoreUnavailableException e)
        {
            _logger.LogError(e, "PostgreSQL did not take {Count} buffered usage events; they stay buffered", batch.Count);
            return false;
        }
    }

    private async Task AdvanceAsync(Dictionary<UsageViews.Key, long> advances)
    {
        var database = _redis.GetDatabase();
        await Task.WhenAll(advances.GroupBy(a => a.Key.TenantId).Select(async tenant =>
        {
            var updates = tenant.ToArray();
            RedisKey[] keys = [.. updates.Select(u => (RedisKey)u.Key.CounterKey)];
            try
            {
                // Taken just before the send: a view keeps the newest of the readings that reach it.
                var reading = _views.NextReading();
                var values = await UsageCounters.AddAsync(database, keys, [.. updates.Select(u => u.Value)]);
                for (var i = 0; i < updates.Length; i++)
                {
                    _views.Flushed(updates[i].Key, updates[i].Value, values[i], reading);
                }
            }
            catch (Exception e) when (RedisFailures.IsUnavailable(e))
            {
                // The stream holds the events as counted, and the counters may or may not have taken them: drop the
                // counters, so they are rebuilt from PostgreSQL rather than stay behind (or ahead) until they expire.
                _logger.LogWarning(e, "Usage counters of tenant {TenantId} not advanced after a flush; they will be rebuilt", tenant.Key);
                foreach (var (key, units) in updates)
                {
                    _views.Flushed(key, units, counted: null, reading: 0);
                }

                await _counters.DropAsync(keys);
            }
        }));
    }
}
