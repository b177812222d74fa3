using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Counters that missed usage while Redis was unreachable (usage recorded and decided in PostgreSQL alone).
/// Redis keeps its data across a restart, so such a counter would come back behind PostgreSQL and, until its
/// time to live ran out, let a hard cap pass more than its limit. When the connection is restored they are
/// dropped, and the next read rebuilds them from PostgreSQL. Each replica drops what it itself wrote past Redis.
/// </summary>
public sealed class StaleCounters
{
    private readonly ConcurrentDictionary<string, byte> _keys = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<StaleCounters> _logger;

    public StaleCounters(IConnectionMultiplexer redis, ILogger<StaleCounters> logger)
    {
        _redis = redis;
        _logger = logger;
        redis.ConnectionRestored += (_, _) => _ = DropAsync();
    }

    public int Count => _keys.Count;

    public void Add(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _keys.TryAdd(key, 0);
        }
    }

    /// <summary>Drops the recorded counters; those that cannot be dropped yet stay recorded for the next try.</summary>
    public async Task DropAsync()
    {
        var keys = _keys.Keys.ToArray();
        if (keys.Length == 0)
        {
            return;
        }

        try
        {
            await _redis.GetDatabase().KeyDeleteAsync([.. keys.Select(k => (RedisKey)k)]);
            foreach (var key in keys)
            {
                _keys.TryRemove(key, out _);
            }

            _logger.LogInformation("Redis is back: {Count} usage counters that missed usage during the outage will be rebuilt from PostgreSQL", keys.Length);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _logger.LogDebug(e, "Stale usage counters not dropped yet");
        }
    }
}
