using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Quotas;

/// <summary>
/// Admission to the PostgreSQL fallback of quota decisions. A decision needing a counter's lock first queues in this
/// process behind the other requests for the same counter (a stripe of semaphores, so waiting holds no connection and a
/// busy tenant occupies one slot, not the pool), then takes one of <see cref="QuotaFallbackOptions.MaxConcurrent"/>
/// slots. Every wait is bounded by <see cref="QuotaFallbackOptions.WaitMs"/>; past it the request is refused with
/// <see cref="QuotaDecisionUnavailableException"/> rather than queued without end.
/// </summary>
public sealed class DatabaseDecisionGate
{
    private const int Stripes = 256;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim[] _counters = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    public DatabaseDecisionGate(IOptions<QuotaFallbackOptions> options)
    {
        MaxConcurrent = Math.Max(1, options.Value.MaxConcurrent);
        Wait = TimeSpan.FromMilliseconds(Math.Max(1, options.Value.WaitMs));
        _slots = new SemaphoreSlim(MaxConcurrent, MaxConcurrent);
    }

    /// <summary>Slots in PostgreSQL this process may hold at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>The longest a decision waits for its turn, in this process and for the lock in PostgreSQL.</summary>
    public TimeSpan Wait { get; }

    /// <summary>Decisions holding a slot now.</summary>
    public int InUse => MaxConcurrent - _slots.CurrentCount;

    /// <summary>
    /// Waits for a slot, first queuing behind this process's other decisions on <paramref name="lockKey"/> when one is
    /// given (decisions that take the counter's lock). Dispose the result to leave.
    /// </summary>
    /// <exception cref="QuotaDecisionUnavailableException">No turn came within <see cref="Wait"/>.</exception>
    public async Task<IAsyncDisposable> EnterAsync(string? lockKey, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Wait.TotalSeconds * TimeProvider.System.TimestampFrequency);
        SemaphoreSlim? counter = null;
        if (lockKey is not null)
        {
            counter = _counters[Stripe(lockKey)];
            if (!await counter.WaitAsync(Wait, cancellationToken))
            {
                throw Refused("other requests for the same counter");
            }
        }

        try
        {
            var left = TimeProvider.System.GetElapsedTime(TimeProvider.System.GetTimestamp(), deadline);
            if (!await _slots.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken))
            {
                throw Refused("a free fallback slot");
            }
        }
        catch
        {
            counter?.Release();
            throw;
        }

        return new Turn(_slots, counter);
    }

    /// <summary>FNV-1a of the key: the same stripe in every process and run (string hashes are randomized per process).</summary>
    private static int Stripe(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Stripes);
    }

    private QuotaDecisionUnavailableException Refused(string waitedFor) =>
        new($"Redis is unavailable and the quota could not be decided in PostgreSQL within {Wait.TotalMilliseconds:0} ms (waited for {waitedFor}); retry shortly.");

    private sealed class Turn(SemaphoreSlim slots, SemaphoreSlim? counter) : IAsyncDisposable
    {
        private int _left;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                slots.Release();
                counter?.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
