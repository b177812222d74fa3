using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Quotas;

/// <summary>All the quotas of one metered request, decided in one Redis round trip.</summary>
public sealed partial class QuotaLedger
{
    // KEYS: the tenant's usage counters, one per quota (one hash tag, so one Redis Cluster shard). ARGV per key: units
    // the check needs, units to reserve, hard limit (-1: none). Every limit is checked before anything is reserved, so a
    // request refused by one quota holds nothing of the others. Returns { 1, n, used... } (all let through, reserved),
    // { 0, i, used... } (the i-th refused, nothing reserved; usage up to it) or { -1, m, index... } (counters missing).
    private const string RequestScript = """
        local missing = {}
        for i, key in ipairs(KEYS) do
          if redis.call('EXISTS', key) == 0 then missing[#missing + 1] = i end
        end
        if #missing > 0 then return { -1, #missing, unpack(missing) } end
        local used = {}
        for i, key in ipairs(KEYS) do
          used[i] = tonumber(redis.call('HGET', key, 'v'))
          local limit = tonumber(ARGV[i * 3])
          if limit >= 0 and used[i] + tonumber(ARGV[i * 3 - 2]) > limit then return { 0, i, unpack(used) } end
        end
        for i, key in ipairs(KEYS) do
          if tonumber(ARGV[i * 3 - 1]) > 0 then redis.call('HINCRBY', key, 'v', ARGV[i * 3 - 1]) end
        end
        return { 1, #KEYS, unpack(used) }
        """;

    /// <summary>
    /// Decides a request's quotas together: each ask's units must fit, and reserved units are counted at once. Only
    /// when all fit is anything reserved; reservations must be given back with <see cref="ReleaseAsync"/> if the
    /// request does no work. Without Redis the quotas are decided in PostgreSQL one after the other, as
    /// <see cref="DecideAsync"/> does, stopping at the first refusal (whose predecessors the caller gives back).
    /// With local views (<see cref="UsageViews.Enabled"/>) only hard caps go to Redis; soft-capped and uncapped quotas,
    /// which never refuse, are decided from the views and reserve nothing (their units reach the counter with the flush).
    /// </summary>
    public Task<RequestDecision> DecideRequestAsync(Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, CancellationToken cancellationToken)
    {
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
    private async Task<RequestDecision> DecideInRedisAsync(Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, CancellationToken cancellationToken)
    {
        var keys = asks.Select(a => (RedisKey)UsageCounterKey.For(tenantId, a.Quota.Metric.ToKey(), period.Start)).ToArray();
        RedisValue[] arguments = [.. asks.SelectMany(a => new RedisValue[] { Math.Max(1, a.Amount), a.Reserve ? a.Amount : 0, a.Quota.HardLimit ?? -1 })];
        try
        {
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
                    decisions.Add(new LedgerDecision(decision, Reserved: state == 1 && asks[i].Reserve && asks[i].Amount > 0, Replayed: false));
                }

                return new RequestDecision(decisions, InDatabase: false);
            }

            throw new InvalidOperationException($"Usage counters of tenant {tenantId} vanished twice while deciding.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return await DecideInDatabaseAsync(tenantId, period, asks, e, cancellationToken);
        }
    }

    /// <summary>Redis did not answer: the asks decided in PostgreSQL one after the other, stopping at the first refusal.</summary>
    private async Task<RequestDecision> DecideInDatabaseAsync(Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, Exception failure, CancellationToken cancellationToken)
    {
        logger.LogWarning(failure, "Redis unavailable; quotas of tenant {TenantId} decided in PostgreSQL", tenantId);
        stale.Add(asks.Select(a => UsageCounterKey.For(tenantId, a.Quota.Metric.ToKey(), period.Start)));
        var decisions = new List<LedgerDecision>(asks.Count);
        foreach (var ask in asks)
        {
            var decision = await DecideInDatabaseAsync(tenantId, ask.Quota, period, ask.Amount, ask.Reserve, ask.EventId, cancellationToken);
            decisions.Add(decision);
            if (decision.Decision.Kind == QuotaDecisionKind.Deny)
            {
                break;
            }
        }

        return new RequestDecision(decisions, InDatabase: true);
    }
}
