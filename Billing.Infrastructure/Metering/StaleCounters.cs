using System.Collections.Concurrent;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Counters that missed usage while Redis was unreachable (usage recorded and decided in PostgreSQL alone).
/// Redis keeps its data across a restart, so such a counter would come back behind PostgreSQL and, until its
/// time to live ran out, let a hard cap pass more than its limit. They are dropped, so that the next read rebuilds them
/// from PostgreSQL: in the background as soon as the connection is restored (tried again until Redis takes the delete:
/// a Redis loading its append-only file refuses commands for a while; on a cluster, as soon as the client sees the
/// failed primary's replica promoted), and, before that has happened, by the quota
/// decision about to use one (<see cref="DropIfStaleAsync"/>), so no decision reads a counter this replica knows is behind.
/// Each replica drops what it itself wrote past Redis.
/// </summary>
public sealed class StaleCounters
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<string, byte> _keys = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<StaleCounters> _logger;
    private int _dropping;

    public StaleCounters(IConnectionMultiplexer redis, ILogger<StaleCounters> logger)
    {
        _redis = redis;
        _logger = logger;
        redis.ConnectionRestored += (_, _) => _ = DropUntilDoneAsync();
        // On a Redis Cluster a failed primary does not come back: its replica takes its slots over, and the client learns
        // the new layout (a configuration change, or a MOVED answer) instead of restoring a connection.
        redis.ConfigurationChanged += (_, _) => _ = DropUntilDoneAsync();
        redis.HashSlotMoved += (_, _) => _ = DropUntilDoneAsync();
    }

    public int Count => _keys.Count;

    public void Add(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _keys.TryAdd(key, 0);
        }
    }

    /// <summary>
    /// Drops those of <paramref name="keys"/> recorded as stale before a decision reads them. Throws like any Redis
    /// command when Redis does not take the delete: the caller then decides without Redis.
    /// </summary>
    public async Task DropIfStaleAsync(IReadOnlyList<RedisKey> keys)
    {
        if (_keys.IsEmpty)
        {
            return;
        }

        RedisKey[] stale = [.. keys.Where(k => _keys.ContainsKey(k.ToString()))];
        if (stale.Length == 0)
        {
            return;
        }

        await DeleteAsync(stale);
        foreach (var key in stale)
        {
            _keys.TryRemove(key.ToString(), out _);
        }
    }

    /// <summary>Drops the recorded counters; those that cannot be dropped yet stay recorded for the next try.</summary>
    public async Task<bool> DropAsync()
    {
        var keys = _keys.Keys.ToArray();
        if (keys.Length == 0)
        {
            return true;
        }

        try
        {
            await DeleteAsync([.. keys.Select(k => (RedisKey)k)]);
            foreach (var key in keys)
            {
                _keys.TryRemove(key, out _);
            }

            _logger.LogInformation("Redis is back: {Count} usage counters that missed usage during the outage will be rebuilt from PostgreSQL", keys.Length);
            return true;
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            _logger.LogDebug(e, "Stale usage counters not dropped yet");
            return false;
        }
    }

    /// <summary>
    /// One <c>DEL</c> per hash slot: the counters recorded are any tenants', and a Redis Cluster refuses a multi-key
    /// command whose keys lie in different slots.
    /// </summary>
    private Task DeleteAsync(RedisKey[] keys)
    {
        var database = _redis.GetDatabase();
        return Task.WhenAll(keys.GroupBy(k => RedisKeys.HashSlot(k.ToString())).Select(slot => database.KeyDeleteAsync([.. slot])));
    }

    /// <summary>After a reconnection: tries until every recorded counter is dropped, or the connection is lost again.</summary>
    private async Task DropUntilDoneAsync()
    {
        if (Interlocked.Exchange(ref _dropping, 1) == 1)
        {
            return;
        }

        try
        {
            while (!await DropAsync() && _redis.IsConnected)
            {
                await Task.Delay(RetryEvery);
            }
        }
        finally
        {
            Volatile.Write(ref _dropping, 0);
        }
    }
}
