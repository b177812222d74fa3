using System.Collections.Concurrent;
using System.Diagnostics;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Quotas;

/// <summary>
/// This process's view of usage counters, per (tenant, metric, period start): the counter's value as last read from
/// Redis plus the units this process consumed since and has not flushed yet. Soft-capped and uncapped quotas are decided
/// from it without a Redis call while it is fresh (<see cref="UsageBufferOptions.ViewMaxAgeMs"/>); hard caps never are,
/// since only the atomic script in Redis is exact across replicas. Every flush that advances a counter renews its view
/// with the counter's new value, which includes what other replicas and ingestion added meanwhile.
/// </summary>
public sealed class UsageViews
{
    private readonly ConcurrentDictionary<Key, View> _views = new();
    private readonly long _maxAgeTicks;
    private long _sequence;

    public UsageViews(IOptions<UsageBufferOptions> buffer, IOptions<UsageStreamOptions> stream)
    {
        // The views only know this process's consumption through the buffer, so they serve decisions only with it.
        Enabled = buffer.Value.Enabled && stream.Value.Enabled;
        _maxAgeTicks = Math.Max(0, buffer.Value.ViewMaxAgeMs) * Stopwatch.Frequency / 1000;
    }

    /// <summary>Soft-capped and uncapped quotas are decided locally (buffering is on).</summary>
    public bool Enabled { get; }

    /// <summary>A (tenant, metric, period) whose counter is viewed.</summary>
    public readonly record struct Key(Guid TenantId, string Metric, long PeriodStartTicks)
    {
        public static Key Of(NewUsageEvent e) => new(e.TenantId, e.Metric, e.PeriodStart.UtcTicks);

        public string CounterKey => RedisKeys.UsageCounter(TenantId, Metric, new DateTimeOffset(PeriodStartTicks, TimeSpan.Zero));
    }

    public int Count => _views.Count;

    /// <summary>
    /// Orders readings of counters: take one just before sending a command that reads a counter. Commands on the one
    /// Redis connection run in the order sent, so a reading with a lower number never overwrites a newer one.
    /// </summary>
    public long NextReading() => Interlocked.Increment(ref _sequence);

    /// <summary>The usage as this process sees it (counter plus unflushed units), if the view is fresh.</summary>
    public bool TryRead(Key key, out long used)
    {
        if (_views.TryGetValue(key, out var view))
        {
            lock (view)
            {
                if (view.ReadAt != 0 && Stopwatch.GetTimestamp() - view.ReadAt <= _maxAgeTicks)
                {
                    used = Math.Max(0, view.Counted + view.Pending);
                    return true;
                }
            }
        }

        used = 0;
        return false;
    }

    /// <summary>Stores a counter value read from Redis (reading number <paramref name="reading"/>); returns the usage as this process sees it.</summary>
    public long Refreshed(Key key, long counted, long reading) =>
        Update(key, (counted, reading), static (view, read) =>
        {
            view.Renew(read.counted, read.reading);
            return Math.Max(0, view.Counted + view.Pending);
        });

    /// <summary>This process consumed <paramref name="units"/> that are now waiting in the buffer.</summary>
    public void Consumed(Key key, long units) => Update(key, units, static (view, units) => view.Pending += units);

    /// <summary>
    /// <paramref name="units"/> left the buffer: they are in the counter now (<paramref name="counted"/> its value after
    /// them), or the counter's value is unknown (null: a fallback or a failure) and the view is read again before use.
    /// </summary>
    public void Flushed(Key key, long units, long? counted, long reading) =>
        Update(key, (units, counted, reading), static (view, flush) =>
        {
            view.Pending -= flush.units;
            if (flush.counted is { } value)
            {
                view.Renew(value, flush.reading);
            }
            else
            {
                view.ReadAt = 0;
            }

            return 0;
        });

    /// <summary>Forgets views with nothing unflushed that were not renewed for <paramref name="idle"/> (past periods, quiet tenants).</summary>
    public void Sweep(TimeSpan idle)
    {
        var before = Stopwatch.GetTimestamp() - (long)(idle.TotalSeconds * Stopwatch.Frequency);
        foreach (var (key, view) in _views)
        {
            lock (view)
            {
                if (view.Pending == 0 && view.ReadAt < before)
                {
                    view.Removed = true;
                    _views.TryRemove(new KeyValuePair<Key, View>(key, view));
                }
            }
        }
    }

    // The change gets its arguments as state rather than capturing them: these run on every metered request.
    private long Update<TState>(Key key, TState state, Func<View, TState, long> change)
    {
        while (true)
        {
            var view = _views.GetOrAdd(key, static _ => new View());
            lock (view)
            {
                // A view swept away between the lookup and the lock takes no more changes; a new one replaces it.
                if (!view.Removed)
                {
                    return change(view, state);
                }
            }
        }
    }

    private sealed class View
    {
        public long Counted;
        public long Pending;
        public long ReadAt;
        public long Reading;
        public bool Removed;

        public void Renew(long counted, long reading)
        {
            if (reading > Reading)
            {
                Counted = counted;
                Reading = reading;
                ReadAt = Stopwatch.GetTimestamp();
            }
        }
    }
}
