using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Advances a tenant's usage counters by what one buffer flush carried, and answers with their values so the local
/// views are renewed in the same round trip. Like <see cref="UsageCounters"/>, only existing counters are advanced: a
/// missing one is rebuilt from PostgreSQL on its next read. Request metrics are sums (gauges cannot be consumed).
/// </summary>
internal static class FlushedCounters
{
    // ARGV[i]: units to add to KEYS[i]. Returns each counter's value after the addition, -1 for a missing counter.
    private const string AdvanceScript = """
        local values = {}
        for i, key in ipairs(KEYS) do
          if redis.call('EXISTS', key) == 1 then
            values[i] = redis.call('HINCRBY', key, 'v', ARGV[i])
          else
            values[i] = -1
          end
        end
        return values
        """;

    /// <summary>Sends the advance of one tenant's counters (one hash tag, so one script); null for each counter that is missing.</summary>
    public static async Task<long?[]> AdvanceAsync(IDatabase database, RedisKey[] keys, RedisValue[] units)
    {
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(AdvanceScript, keys, units))!;
        return [.. result.Select(r => (long)r is var v && v >= 0 ? v : (long?)null)];
    }
}
