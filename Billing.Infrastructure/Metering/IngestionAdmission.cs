using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Limits;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Redis;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Decides, before a usage-events request is queued, whether the tenant may send it: its ingestion budget (a token
/// bucket per tenant) holds the request's events, and no counter of the request would pass
/// <see cref="UsageEventRules.MaxPeriodTotal"/> for its billing period. Both are one Redis script on keys hash-tagged by
/// tenant, so the budget is shared by every API replica and costs one round trip a request (not a batch of events).
/// A counter is read as it stands: requests in flight are not in it yet, so the total can pass the limit by what the
/// budget lets through at once (a burst of events at 10^12 each, some 2·10^17 for the largest shipped plan), far below
/// the 9.2·10^18 of PostgreSQL's bigint; the aggregation sets aside whatever still crosses a window's limit.
/// Without Redis each replica keeps its own bucket (the budget then holds per replica) and totals are not checked.
/// </summary>
public sealed class IngestionAdmission(IConnectionMultiplexer redis, TokenBuckets buckets, QuotaLedger ledger, ILogger<IngestionAdmission> logger)
{
    // KEYS[1] the tenant's budget bucket, KEYS[2..] its counters of this request's (metric, period) sums.
    // ARGV[1..4] the bucket and the events wanted (TokenBuckets.RefillLua), ARGV[5] the total limit, then each counter's addition.
    // Returns { 1 } admitted (tokens taken), { 0, wait ms } over budget, { -1, i, used } counter i would pass the limit,
    // { -2, n, i... } counters missing (rebuild them and ask again). Only an admitted request takes tokens. The comparison
    // used > limit − adding is exact in Lua's doubles while both sides are below 2^53.
    private const string AdmitScript = TokenBuckets.RefillLua + "\n" + """
        local missing = {}
        for i = 2, #KEYS do
          local used = redis.call('HGET', KEYS[i], 'v')
          if not used then
            missing[#missing + 1] = i - 1
          elseif tonumber(used) > tonumber(ARGV[5]) - tonumber(ARGV[4 + i]) then
            return { -1, i - 1, tonumber(used) }
          end
        end
        if #missing > 0 then return { -2, #missing, unpack(missing) } end
        """ + "\n" + TokenBuckets.TakeLua + "\nreturn { 1 }";

    /// <summary>Why a request may or may not be queued.</summary>
    public abstract record Answer;

    public sealed record Admitted : Answer;

    /// <param name="RetryAfter">When the bucket will hold the request's events.</param>
    public sealed record OverBudget(IngestionBudget Budget, TimeSpan RetryAfter) : Answer;

    /// <param name="Used">The period's total as counted now.</param>
    /// <param name="Adding">What this request would add to it.</param>
    public sealed record OverPeriodTotal(string Metric, DateTimeOffset PeriodStart, long Used, long Adding) : Answer;

    /// <param name="events">The request's events, each with its billing period.</param>
    public async Task<Answer> AdmitAsync(TenantBilling tenant, IReadOnlyList<NewUsageEvent> events, CancellationToken cancellationToken)
    {
        var budget = tenant.Plan.IngestionBudget;
        var bucket = new TokenBuckets.Bucket(budget.Burst, budget.EventsPerSecond, TimeSpan.FromSeconds(1));
        var sums = Sums(events);
        RedisKey[] keys = [.. RedisKeys.AdmissionKeys(tenant.TenantId, sums.Select(s => (s.Metric.ToKey(), s.PeriodStart))).Select(k => (RedisKey)k)];
        RedisValue[] arguments = [.. bucket.Arguments(events.Count), UsageEventRules.MaxPeriodTotal, .. sums.Select(s => (RedisValue)s.Adding)];

        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AdmitScript, keys, arguments))!;
                switch ((int)result[0])
                {
                    case 1:
                        return new Admitted();
                    case 0:
                        return new OverBudget(budget, TimeSpan.FromMilliseconds((long)result[1]));
                    case -1:
                        var sum = sums[(int)result[1] - 1];
                        return new OverPeriodTotal(sum.Metric.ToKey(), sum.PeriodStart, (long)result[2], sum.Adding);
                }

                await Task.WhenAll(result.Skip(2).Select(r => sums[(int)r - 1]).Select(s =>
                    ledger.SeedAsync(tenant.TenantId, s.Metric, tenant.PeriodAt(s.OccurredAt), RedisKeys.UsageCounter(tenant.TenantId, s.Metric.ToKey(), s.PeriodStart), cancellationToken)));
            }

            throw new InvalidOperationException($"Usage counters of tenant {tenant.TenantId} vanished twice while admitting events.");
        }
        catch (Exception e) when (RedisFailures.IsOutage(e))
        {
            logger.LogWarning(e, "Redis unavailable; the ingestion budget of tenant {TenantId} is kept by this replica alone", tenant.TenantId);
            return buckets.TakeLocally(keys[0].ToString(), bucket, events.Count) is { } wait ? new OverBudget(budget, wait) : new Admitted();
        }
    }

    private sealed record Sum(Metric Metric, DateTimeOffset PeriodStart, DateTimeOffset OccurredAt, long Adding);

    /// <summary>What the request adds to each counter it sums into (gauges keep a level, which never grows past one value).</summary>
    private static List<Sum> Sums(IReadOnlyList<NewUsageEvent> events)
    {
        var sums = new List<Sum>(1);
        foreach (var e in events)
        {
            if (!MetricKeys.TryParse(e.Metric, out var metric) || Metrics.Get(metric).Aggregation != MetricAggregation.Sum)
            {
                continue;
            }

            var index = sums.FindIndex(s => s.Metric == metric && s.PeriodStart == e.PeriodStart);
            if (index < 0)
            {
                sums.Add(new Sum(metric, e.PeriodStart, e.OccurredAt, e.Value));
            }
            else
            {
                sums[index] = sums[index] with { Adding = sums[index].Adding + e.Value };
            }
        }

        return sums;
    }
}
