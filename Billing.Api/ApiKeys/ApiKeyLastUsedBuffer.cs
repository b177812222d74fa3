using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Billing.Api.ApiKeys;

/// <summary>
/// The last use of each key since the previous write, in memory: a request notes its key here (no allocation once the key
/// is noted), and <see cref="ApiKeyLastUsedFlusher"/> writes them all at once. So <c>lastUsedAt</c> costs one statement
/// per tenant per interval instead of a database write per request, and lags by at most that interval.
/// </summary>
public sealed class ApiKeyLastUsedBuffer(IOptions<ApiKeyOptions> options, TimeProvider clock)
{
    private sealed class Use(Guid tenantId)
    {
        public readonly Guid TenantId = tenantId;
        public long UtcTicks;
    }

    private ConcurrentDictionary<Guid, Use> _pending = new();
    private int _count;

    public void Record(Guid keyId, Guid tenantId)
    {
        var pending = Volatile.Read(ref _pending);
        if (!pending.TryGetValue(keyId, out var use))
        {
            // Bounded: past the limit a key's use waits for the next interval to be noted.
            if (Volatile.Read(ref _count) >= options.Value.MaxPendingLastUsed)
            {
                return;
            }

            use = new Use(tenantId);
            if (pending.TryAdd(keyId, use))
            {
                Interlocked.Increment(ref _count);
            }
            else
            {
                use = pending[keyId];
            }
        }

        Volatile.Write(ref use.UtcTicks, clock.GetUtcNow().UtcTicks);
    }

    /// <summary>Everything noted so far, per tenant; the buffer starts empty again.</summary>
    public ILookup<Guid, (Guid KeyId, DateTimeOffset At)> Take()
    {
        var taken = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<Guid, Use>());
        Interlocked.Exchange(ref _count, 0);
        return taken.ToLookup(pair => pair.Value.TenantId, pair => (pair.Key, new DateTimeOffset(Volatile.Read(ref pair.Value.UtcTicks), TimeSpan.Zero)));
    }
}
