using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Quotas;

/// <summary>All the quotas of one metered request, decided in one Redis round trip.</summary>
public sealed partial class QuotaLedger
{
    // KEYS: the tenant's usage counters, one per quota (one hash tag, so one Redis Cluster shard), then the request's
    // idempotency marker if it has one. ARGV per counter: units the check needs, units to reserve, hard limit (-1: none);
    // then, with a marker, its time to live in ms. Every limit is checked before anything is reserved, so a request
    // refused by one quota holds nothing of the others. Returns { 1, n, used... } (all let through, reserved), { 0, i,
    // used... } (the i-th refused, nothing reserved; usage up to it), { -1, m, index... } (counters missing) or { 2, n,
    // used... } (the marker's request was let through before: nothing counted now, the usage that request saw).
    private const string RequestScript = """
        local n = math.floor(#ARGV / 3)
        local marker = (#ARGV % 3 == 1) and KEYS[n + 1] or nil
        if marker then
          local seen = redis.call('LRANGE', marker, 0, -1)
          if #seen > 0 then
            local used = {}
            -- A quota the earlier request did not have (the route's metrics were reconfigured since) shows its counter.
            for i = 1, n do used[i] = tonumber(seen[i] or redis.call('HGET', KEYS[i], 'v') or 0) end
            return { 2, n, unpack(used) }
          end
        end
        local missing = {}
        for i = 1, n do
          if redis.call('EXISTS', KEYS[i]) == 0 then missing[#missing + 1] = i end
        end
        if #missing > 0 then return { -1, #missing, unpack(missing) } end
        local used = {}
        for i = 1, n do
          used[i] = tonumber(redis.call('HGET', KEYS[i], 'v'))
          local limit = tonumber(ARGV[i * 3])
          if limit >= 0 and used[i] + tonumber(ARGV[i * 3 - 2]) > limit then return { 0, i, unpack(used) } end
        end
        for i = 1, n do
          if tonumber(ARGV[i * 3 - 1]) > 0 then redis.call('HINCRBY', KEYS[i], 'v', ARGV[i * 3 - 1]) end
        end
        if marker then
          redis.call('RPUSH', marker, unpack(used))
          redis.call('PEXPIRE', marker, ARGV[#ARGV])
        end
        return { 1, n, unpack(used) }
        """;

    /// <summary>
    /// Decides a request's quotas together: each ask's units must fit, and reserved units are counted at once. Only
    /// when all fit is anything reserved; reservations must be given back with <see cref="ReleaseAsync"/> if the
    /// request does no work. Without Redis the quotas are decided in PostgreSQL one after the other, as
    /// <see cref="DecideAsync"/> does, stopping at the first refusal (whose predecessors the caller gives back).
    /// With local views (<see cref="UsageViews.Enabled"/>) only hard caps go to Redis; soft-capped and uncapped quotas,
    /// which never refuse, are decided from the views and reserve nothing (their units reach the counter with the flush).
    /// </summary>
    /// <param name="idempotency">
    /// Set when the caller names the request (a gateway's request id): a repeat within the window answers as the first
    /// call did and counts nothing. Every quota is then decided and reserved in Redis, local views or not, since a repeat
    /// may reach another replica.
    /// </param>
    public Task<RequestDecision> DecideRequestAsync(
        Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, CancellationToken cancellationToken, RequestIdempotency? idempotency = null)
    {
        if (idempotency is not null)
        {
            return DecideInRedisAsync(tenantId, period, asks, cancellationToken, idempotency);
        }

        foreach (var ask in asks)
        {
            if (views.Enabled && ask.Quota.HardLimit is null)
            {
                return DecideWithViewsAsync(tenantId, period, asks, cancellationToken);
            }
        }

        return DecideInRedisAsync(tenantId, period, asks, cancellationToken);
    }

    /// <summary>Every ask in one script: the exact path, always taken by hard caps.</summary>
    private async Task<RequestDecision> DecideInRedisAsync(
        Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, CancellationToken cancellationToken, RequestIdempotency? idempotency = null)
    {
        RedisKey[] keys = [.. RedisKeys.RequestKeys(tenantId, asks.Select(a => a.Quota.Metric.ToKey()), period.Start, idempotency?.Key).Select(k => (RedisKey)k)];
        RedisValue[] arguments = [.. asks.SelectMany(a => new RedisValue[] { Math.Max(1, a.Amount), a.Reserve ? a.Amount : 0, a.Quota.HardLimit ?? -1 })];
        if (idempotency is not null)
        {
            arguments = [.. arguments, (long)idempotency.Window.TotalMilliseconds];
        }

        try
        {
            await stale.DropIfStaleAsync(keys[..asks.Count]);
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(RequestScript, keys, arguments))!;
                var state = (int)result[0];
                var count = (int)result[1];
                if (state == -1)
                {
                    await Task.WhenAll(result.Skip(2).Select(r => (int)r - 1)
                        .Select(i => SeedAsync(tenantId, asks[i].Quota.Metric, period, keys[i].ToString(), cancellationToken)));
                    continue;
                }

                var decisions = new List<LedgerDecision>(count);
                for (var i = 0; i < count; i++)
                {
                    var decision = QuotaPolicy.Evaluate(asks[i].Quota, (long)result[2 + i], asks[i].Amount);
                    decisions.Add(new LedgerDecision(decision, Reserved: state == 1 && asks[i].Reserve && asks[i].Amount > 0, Replayed: state == 2));
                }

                NoteRedisAnswered();
                return new RequestDecision(decisions, InDatabase: false);
            }

            throw new InvalidOperationException($"Usage counters of tenant {tenantId} vanished twice while deciding.");
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            return await DecideInDatabaseAsync(tenantId, period, asks, e, cancellationToken);
        }
    }

    /// <summary>Redis did not answer: the asks decided in PostgreSQL one after the other, stopping at the first refusal.</summary>
    private async Task<RequestDecision> DecideInDatabaseAsync(Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, Exception failure, CancellationToken cancellationToken)
    {
        NoteDecidingInPostgres(failure, tenantId);
        var counterKeys = asks.Select(a => RedisKeys.UsageCounter(tenantId, a.Quota.Metric.ToKey(), period.Start)).ToArray();
        stale.Add(counterKeys);
        var decisions = new List<LedgerDecision>(asks.Count);
        try
        {
            foreach (var ask in asks)
            {
                var decision = await DecideInDatabaseAsync(tenantId, ask.Quota, period, ask.Amount, ask.Reserve, ask.EventId, cancellationToken);
                decisions.Add(decision);
                if (decision.Decision.Kind == QuotaDecisionKind.Deny)
                {
                    break;
                }
            }
        }
        catch (QuotaDecisionUnavailableException)
        {
            // The request is refused as a whole: what the quotas before this one stored goes with it.
            for (var i = 0; i < decisions.Count; i++)
            {
                if (decisions[i].Reserved)
                {
                    await ReleaseAsync(tenantId, asks[i].Quota.Metric, period, asks[i].Amount, asks[i].EventId);
                }
            }

            throw;
        }

        // Again once committed: a drop that ran while these decisions were in PostgreSQL rebuilt the counters without them.
        stale.Add(counterKeys);
        return new RequestDecision(decisions, InDatabase: true);
    }
}
