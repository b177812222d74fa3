using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Redis;
using StackExchange.Redis;

namespace Billing.Infrastructure.Quotas;

/// <summary>A metered request's soft-capped and uncapped quotas decided from this process's <see cref="UsageViews"/>.</summary>
public sealed partial class QuotaLedger
{
    /// <summary>
    /// Soft and uncapped asks from fresh views (a stale or missing view is read from Redis first, a missing counter
    /// seeded from PostgreSQL); hard asks through the exact script, which alone can refuse. The decisions are returned in
    /// the asks' order up to the hard refusal, if any. Without Redis everything is decided in PostgreSQL, as before.
    /// </summary>
    private async Task<RequestDecision> DecideWithViewsAsync(Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, CancellationToken cancellationToken)
    {
        var used = new long[asks.Count];
        List<int>? unseen = null;
        List<QuotaAsk>? hard = null;
        for (var i = 0; i < asks.Count; i++)
        {
            if (asks[i].Quota.HardLimit is not null)
            {
                (hard ??= []).Add(asks[i]);
            }
            else if (!views.TryRead(ViewKey(tenantId, asks[i], period), out used[i]))
            {
                (unseen ??= []).Add(i);
            }
        }

        if (unseen is not null)
        {
            try
            {
                await RefreshAsync(tenantId, period, asks, unseen, used, cancellationToken);
            }
            catch (Exception e) when (RedisFailures.IsUnavailable(e))
            {
                return await DecideInDatabaseAsync(tenantId, period, asks, e, cancellationToken);
            }
        }

        var hardDecided = hard is null ? null : await DecideInRedisAsync(tenantId, period, hard, cancellationToken);
        var decisions = new List<LedgerDecision>(asks.Count);
        var next = 0;
        for (var i = 0; i < asks.Count; i++)
        {
            if (asks[i].Quota.HardLimit is null)
            {
                decisions.Add(new LedgerDecision(QuotaPolicy.Evaluate(asks[i].Quota, used[i], asks[i].Amount), Reserved: false, Replayed: false));
                continue;
            }

            // The hard decisions end at the one that refused.
            if (next == hardDecided!.Decisions.Count)
            {
                break;
            }

            var decision = hardDecided.Decisions[next++];
            decisions.Add(decision);
            if (decision.Decision.Kind == QuotaDecisionKind.Deny)
            {
                break;
            }
        }

        return new RequestDecision(decisions, InDatabase: hardDecided?.InDatabase ?? false);
    }

    /// <summary>Reads the counters behind stale views in one pipelined round trip (seeding missing ones) and renews the views.</summary>
    private async Task RefreshAsync(Guid tenantId, BillingPeriod period, IReadOnlyList<QuotaAsk> asks, List<int> unseen, long[] used, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        // A counter this replica knows missed usage (written past Redis) is dropped before it is read, so it is rebuilt.
        await stale.DropIfStaleAsync([.. unseen.Select(i => (RedisKey)ViewKey(tenantId, asks[i], period).CounterKey)]);
        var reading = views.NextReading();
        var reads = unseen.Select(i => database.HashGetAsync(ViewKey(tenantId, asks[i], period).CounterKey, "v")).ToArray();
        var values = await Task.WhenAll(reads);
        for (var n = 0; n < unseen.Count; n++)
        {
            var i = unseen[n];
            var key = ViewKey(tenantId, asks[i], period);
            if (values[n].IsNull)
            {
                var seeded = views.NextReading();
                used[i] = views.Refreshed(key, await SeedAsync(tenantId, asks[i].Quota.Metric, period, key.CounterKey, cancellationToken), seeded);
            }
            else
            {
                used[i] = views.Refreshed(key, (long)values[n], reading);
            }
        }
    }

    private static UsageViews.Key ViewKey(Guid tenantId, QuotaAsk ask, BillingPeriod period) =>
        new(tenantId, ask.Quota.Metric.ToKey(), period.Start.UtcTicks);
}
