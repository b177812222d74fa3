using System.Collections.Concurrent;
using Billing.Infrastructure.Quotas;
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
/// described in docs/metering-pipeline.md.
/// </summary>
public sealed class UsageRecordBuffer(
    UsageStream stream,
    UsageIngestionQueue ingestion,
    UsageViews views,
    UsageCounters counters,
    IConnectionMultiplexer redis,
    UsageStreamMetrics metrics,
    IOptions<UsageBufferOptions> options,
    ILogger<UsageRecordBuffer> logger)
{
    private readonly ConcurrentQueue<NewUsageEvent> _waiting = new();
    private readonly SemaphoreSlim _full = new(0);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly int _maxBatch = Math.Clamp(options.Value.MaxBatchEvents, 1, 100_000);
    private int _count;
    private int _signalled;

    /// <summary>Requests hand their usage here (buffering is on and the stream enabled).</summary>
    public bool Enabled => views.Enabled;

    /// <summary>Events waiting for a flush.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a request's events; they are in the stream or PostgreSQL after the next flush.</summary>
    public void Add(IReadOnlyList<NewUsageEvent> events)
    {
        foreach (var e in events)
        {
            // Into the view before the queue, so a flush never takes away units the view has not been given.
            if (!e.Precounted)
            {
                views.Consumed(UsageViews.Key.Of(e), e.Value);
            }

            _waiting.Enqueue(e);
        }

        if (Interlocked.Add(ref _count, events.Count) >= _maxBatch && Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _full.Release();
        }
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

                Interlocked.Add(ref _count, -batch.Count);
                bool sent;
                try
                {
                    sent = await SendAsync(batch);
                }
                catch
                {
                    // Whatever went wrong, the events are kept for the next flush rather than dropped.
                    Requeue(batch);
                    throw;
                }

                if (!sent)
                {
                    Requeue(batch);
                    return false;
                }
            }

            return true;
        }
        finally
        {
            _flushing.Release();
        }
    }

    private void Requeue(List<NewUsageEvent> batch)
    {
        foreach (var e in batch)
        {
            _waiting.Enqueue(e);
        }

        Interlocked.Add(ref _count, batch.Count);
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

        try
        {
            await stream.AppendAsync(entry);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Usage stream unavailable; {Count} buffered usage events are committed to PostgreSQL directly", batch.Count);
            metrics.RecordFallback();
            if (!await CommitAsync(batch))
            {
                return false;
            }

            // The group commit advanced the counters after the commit; the views read them again before their next use.
            foreach (var (key, units) in advances)
            {
                views.Flushed(key, units, counted: null, reading: 0);
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
            await ingestion.SubmitWithRetryAsync(batch);
            return true;
        }
        catch (UsageStoreUnavailableException e)
        {
            logger.LogError(e, "PostgreSQL did not take {Count} buffered usage events; they stay buffered", batch.Count);
            return false;
        }
    }

    private async Task AdvanceAsync(Dictionary<UsageViews.Key, long> advances)
    {
        var database = redis.GetDatabase();
        await Task.WhenAll(advances.GroupBy(a => a.Key.TenantId).Select(async tenant =>
        {
            var updates = tenant.ToArray();
            RedisKey[] keys = [.. updates.Select(u => (RedisKey)u.Key.CounterKey)];
            try
            {
                // Taken just before the send: a view keeps the newest of the readings that reach it.
                var reading = views.NextReading();
                var values = await UsageCounters.AddAsync(database, keys, [.. updates.Select(u => u.Value)]);
                for (var i = 0; i < updates.Length; i++)
                {
                    views.Flushed(updates[i].Key, updates[i].Value, values[i], reading);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The stream holds the events as counted, and the counters may or may not have taken them: drop the
                // counters, so they are rebuilt from PostgreSQL rather than stay behind (or ahead) until they expire.
                logger.LogWarning(e, "Usage counters of tenant {TenantId} not advanced after a flush; they will be rebuilt", tenant.Key);
                foreach (var (key, units) in updates)
                {
                    views.Flushed(key, units, counted: null, reading: 0);
                }

                await counters.DropAsync(keys);
            }
        }));
    }
}
