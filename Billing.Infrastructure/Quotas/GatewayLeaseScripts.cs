namespace Billing.Infrastructure.Quotas;

/// <summary>
/// The Redis scripts of gateway leases. Lease hash fields: <c>g</c> units granted, <c>d</c> units reported (and
/// recorded), <c>q</c> a report in flight (its cumulative count, recorded before <c>d</c> moves to it), <c>p</c> the
/// period start (Unix s), <c>e</c> the gateway's expiry (Unix ms), <c>r</c> the route, and space-separated per metric:
/// <c>k</c> counter keys, <c>m</c> metric keys, <c>u</c> units of the metric one lease unit consumes.
/// </summary>
internal static class GatewayLeaseScripts
{
    // KEYS: the tenant's usage counters (one per metric of the route), then the new lease's hash.
    // ARGV: n; per metric, units per lease unit and hard limit (-1: none); units wanted; the period's total limit;
    // then the lease's fields r, p, e, the lease's whole life with its grace (ms), then k, m, u. Grants the most units up to the wanted that every hard cap (and the
    // period total) still holds, reserving them in the counters like a request's reservation. Returns { 1, granted,
    // used... }, { 0, i, used... } (nothing fits: the i-th metric refused, nothing reserved) or { -1, m, index... }
    // (counters missing: seed them and ask again).
    public const string Grant = """
        local n = tonumber(ARGV[1])
        local missing = {}
        for i = 1, n do
          if redis.call('EXISTS', KEYS[i]) == 0 then missing[#missing + 1] = i end
        end
        if #missing > 0 then return { -1, #missing, unpack(missing) } end
        local units = tonumber(ARGV[2 * n + 2])
        local total = tonumber(ARGV[2 * n + 3])
        local used = {}
        local refused = 0
        for i = 1, n do
          used[i] = tonumber(redis.call('HGET', KEYS[i], 'v'))
          local per = tonumber(ARGV[2 * i])
          local limit = tonumber(ARGV[2 * i + 1])
          local fit = math.floor((total - used[i]) / per)
          if limit >= 0 then fit = math.min(fit, math.floor((limit - used[i]) / per)) end
          if fit < units then
            units = fit
            if units <= 0 and refused == 0 then refused = i end
          end
        end
        if units <= 0 then return { 0, refused, unpack(used) } end
        local f = 2 * n + 3
        local hold = tonumber(ARGV[f + 4])
        for i = 1, n do
          redis.call('HINCRBY', KEYS[i], 'v', units * tonumber(ARGV[2 * i]))
          -- A counter lives until the lease is closed: one expiring under an open lease would be rebuilt from PostgreSQL
          -- without the lease's unreported units, and a later grant could pass the cap by them.
          local ttl = redis.call('PTTL', KEYS[i])
          if ttl >= 0 and ttl < hold then redis.call('PEXPIRE', KEYS[i], hold) end
        end
        redis.call('HSET', KEYS[n + 1], 'g', units, 'd', 0, 'r', ARGV[f + 1], 'p', ARGV[f + 2], 'e', ARGV[f + 3],
          'k', ARGV[f + 5], 'm', ARGV[f + 6], 'u', ARGV[f + 7])
        return { 1, units, unpack(used) }
        """;

    // KEYS: the lease. ARGV: the gateway's cumulative count (-1: no new count, only finish a report in flight).
    // Returns { state, reported, to }: -1 no such lease (closed), -2 more than granted (to = granted), 0 nothing new,
    // 1 a new report from `reported` to `to` is in flight, 2 an earlier report (reported → to) is still in flight and
    // must be recorded first (its events' ids are the same, so recording it again stores it once).
    public const string BeginReport = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return { -1, 0, 0 } end
        local g = tonumber(redis.call('HGET', KEYS[1], 'g'))
        local d = tonumber(redis.call('HGET', KEYS[1], 'd'))
        local q = redis.call('HGET', KEYS[1], 'q')
        if q then return { 2, d, tonumber(q) } end
        local used = tonumber(ARGV[1])
        if used > g then return { -2, d, g } end
        if used <= d then return { 0, d, d } end
        redis.call('HSET', KEYS[1], 'q', used)
        return { 1, d, used }
        """;

    // KEYS: the lease. ARGV: the count whose events are recorded. Moves the reported count to it.
    public const string CommitReport = """
        if redis.call('HGET', KEYS[1], 'q') == ARGV[1] then
          redis.call('HSET', KEYS[1], 'd', ARGV[1])
          redis.call('HDEL', KEYS[1], 'q')
        end
        return 0
        """;

    // KEYS: the lease, then its counters. ARGV: units per lease unit, per counter. Gives the units granted and not
    // reported back to the counters (an existing counter only: a rebuilt one never held them) and deletes the lease, in
    // one step, so they are given back once. Returns the units given back, -1 when the lease is gone, -2 while a report
    // is in flight (record it first).
    public const string Close = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if redis.call('HEXISTS', KEYS[1], 'q') == 1 then return -2 end
        local unused = tonumber(redis.call('HGET', KEYS[1], 'g')) - tonumber(redis.call('HGET', KEYS[1], 'd'))
        if unused > 0 then
          for i = 2, #KEYS do
            if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HINCRBY', KEYS[i], 'v', -unused * tonumber(ARGV[i - 1])) end
          end
        end
        redis.call('DEL', KEYS[1])
        return unused
        """;
}
