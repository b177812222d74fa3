using Billing.Domain.Catalog;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Hot per-period usage in Redis. Counters are only ever advanced after PostgreSQL committed the
/// events, and only while they exist: a missing counter is rebuilt from PostgreSQL on its next read
/// (with a time to live, so a counter that missed an update while it was being rebuilt is corrected),
/// so Redis can fall behind PostgreSQL briefly but never run ahead of it.
/// </summary>
public sealed class UsageCounters(IConnectionMultiplexer redis, StaleCounters stale, ILogger<UsageCounters> logger)
{
    /// <summary>Rebuilt counters live this long before PostgreSQL is asked again.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(5);

    // ARGV per key: combine mode, value, event time (unix ms). Hash fields: v = value, t = time of the last value.
    // Returns each counter's value after the update, -1 for a missing counter (left for its rebuild).
    private const string AdvanceScript = """
        local values = {}
        for i, key in ipairs(KEYS) do
          local mode = ARGV[(i - 1) * 3 + 1]
          local value = tonumber(ARGV[(i - 1) * 3 + 2])
          local at = tonumber(ARGV[(i - 1) * 3 + 3])
          if redis.call('EXISTS', key) == 1 then
            if mode == 'sum' then
              redis.call('HINCRBY', key, 'v', value)
            elseif mode == 'max' then
              if value > tonumber(redis.call('HGET', key, 'v') or '0') then redis.call('HSET', key, 'v', value) end
            elseif at >= tonumber(redis.call('HGET', key, 't') or '-1') then
              redis.call('HSET', key, 'v', value, 't', at)
            end
            values[i] = tonumber(redis.call('HGET', key, 'v'))
          else
            values[i] = -1
          end
        end
        return values
        """;

    // Sets a rebuilt counter only if no other reader rebuilt it first.
    private const string SeedScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          redis.call('HSET', KEYS[1], 'v', ARGV[1], 't', ARGV[2])
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        end
        return redis.call('HGET', KEYS[1], 'v')
        """;

    /// <summary>Applies committed events to the counters that exist; on a Redis failure the affected counters are dropped for a rebuild.</summary>
    public async Task AdvanceAsync(IEnumerable<NewUsageEvent> committed)
    {
        foreach (var (tenantId, updates) in Combine(committed))
        {
            var keys = new RedisKey[updates.Count];
            var arguments = new RedisValue[updates.Count * 3];
            var i = 0;
            foreach (var ((metric, periodStart), update) in updates)
            {
                keys[i] = RedisKeys.UsageCounter(tenantId, metric, periodStart);
                arguments[i * 3] = update.Mode;
                arguments[i * 3 + 1] = update.Value;
                arguments[i * 3 + 2] = update.At.ToUnixTimeMilliseconds();
                i++;
            }

            try
            {
                await EvaluateAdvanceAsync(redis.GetDatabase(), keys, arguments);
            }
            catch (Exception e) when (RedisFailures.IsUnavailable(e))
            {
                logger.LogWarning(e, "Usage counters for tenant {TenantId} not advanced; they will be rebuilt", tenantId);
                await DropAsync(keys);
            }
        }
    }

    /// <summary>
    /// Adds units to one tenant's counters (one hash tag, so one script) and answers with their values after the
    /// addition, so a caller's view of them is renewed in the same round trip; null for each counter that is missing,
    /// which is left for its rebuild. Redis failures are the caller's to handle.
    /// </summary>
    public static Task<long?[]> AddAsync(IDatabase database, RedisKey[] keys, IReadOnlyList<long> units)
    {
        var arguments = new RedisValue[keys.Length * 3];
        for (var i = 0; i < keys.Length; i++)
        {
            arguments[i * 3] = "sum";
            arguments[i * 3 + 1] = units[i];
            arguments[i * 3 + 2] = 0;
        }

        return EvaluateAdvanceAsync(database, keys, arguments);
    }

    private static async Task<long?[]> EvaluateAdvanceAsync(IDatabase database, RedisKey[] keys, RedisValue[] arguments)
    {
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(AdvanceScript, keys, arguments))!;
        return [.. result.Select(r => (long)r is var v && v >= 0 ? v : (long?)null)];
    }

    /// <summary>
    /// Reads counters; null for each one that is missing (the caller rebuilds it). A counter this replica knows missed
    /// usage (<see cref="StaleCounters"/>) is dropped first, so it reads as missing rather than behind.
    /// </summary>
    public async Task<long?[]> ReadAsync(IReadOnlyList<string> keys)
    {
        await stale.DropIfStaleAsync([.. keys.Select(k => (RedisKey)k)]);
        var database = redis.GetDatabase();
        var reads = keys.Select(key => database.HashGetAsync(key, "v")).ToArray();
        var values = await Task.WhenAll(reads);
        return [.. values.Select(v => v.IsNull ? (long?)null : (long)v)];
    }

    /// <summary>Stores a value computed from PostgreSQL unless another reader stored one first; returns the counter's value.</summary>
    public async Task<long> SeedAsync(string key, long value, DateTimeOffset? lastEventAt)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(SeedScript, [key],
            [value, lastEventAt?.ToUnixTimeMilliseconds() ?? -1, (long)TimeToLive.TotalMilliseconds]);
        return (long)result;
    }

    /// <summary>
    /// The events folded per tenant, metric and period in one pass (a batch hands over a thousand events, mostly of one
    /// counter): the sum, the maximum, or the value of the latest event (the first of those stamped alike), with the time
    /// of the latest event.
    /// </summary>
    private static Dictionary<Guid, Dictionary<(string Metric, DateTimeOffset PeriodStart), Update>> Combine(IEnumerable<NewUsageEvent> events)
    {
        var tenants = new Dictionary<Guid, Dictionary<(string, DateTimeOffset), Update>>();
        foreach (var e in events)
        {
            if (!tenants.TryGetValue(e.TenantId, out var updates))
            {
                tenants[e.TenantId] = updates = [];
            }

            if (!updates.TryGetValue((e.Metric, e.PeriodStart), out var update))
            {
                MetricKeys.TryParse(e.Metric, out var parsed);
                updates[(e.Metric, e.PeriodStart)] = new Update(CombineMode(parsed), e.Value, e.OccurredAt);
                continue;
            }

            update.Add(e.Value, e.OccurredAt);
        }

        return tenants;
    }

    /// <summary>How the counter combines values: <c>sum</c>, <c>max</c>, or <c>last</c> (by event time).</summary>
    private static string CombineMode(Metric metric) => Metrics.Get(metric).Aggregation switch
    {
        MetricAggregation.Sum => "sum",
        MetricAggregation.Max => "max",
        _ => "last",
    };

    private sealed class Update(string mode, long value, DateTimeOffset at)
    {
        public string Mode { get; } = mode;
        public long Value { get; private set; } = value;
        public DateTimeOffset At { get; private set; } = at;

        public void Add(long value, DateTimeOffset at)
        {
            Value = Mode switch
            {
                "sum" => Value + value,
                "max" => Math.Max(Value, value),
                _ => at > At ? value : Value,
            };
            if (at > At)
            {
                At = at;
            }
        }
    }

    /// <summary>Drops counters that may have missed an update, so their next read rebuilds them from PostgreSQL; while
    /// Redis is unreachable they are recorded in <see cref="StaleCounters"/> and dropped when it is back.</summary>
    public async Task DropAsync(RedisKey[] keys)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(keys);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // Redis is unreachable: the counters are dropped when it is back.
            logger.LogDebug(e, "Could not drop usage counters that missed an update");
            stale.Add(keys.Select(k => k.ToString()));
        }
    }
}
