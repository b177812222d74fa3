using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Quotas;
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
public sealed class IngestionAdmission(IConnectionMultiplexer redis, QuotaLedger ledger, ILogger<IngestionAdmission> logger) : IDisposable
{
    // KEYS[1] the tenant's budget bucket, KEYS[2..] its counters of this request's (metric, period) sums.
    // ARGV: events per second, burst, events wanted, total limit, then each counter's addition.
    // Returns { 1 } admitted (tokens taken), { 0, wait ms } over budget, { -1, i, used } counter i would pass the limit,
    // { -2, n, i... } counters missing (rebuild them and ask again). Only an admitted request takes tokens.
    private const string AdmitScript = """
        local clock = redis.call('TIME')
        local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
        local rate, burst, wanted = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(bucket[1]) or burst
        tokens = math.min(burst, tokens + math.max(0, now - (tonumber(bucket[2]) or now)) * rate / 1000)
        if tokens < wanted then return { 0, math.ceil((wanted - tokens) * 1000 / rate) } end
        local missing = {}
        for i = 2, #KEYS do
          local used = redis.call('HGET', KEYS[i], 'v')
          if not used then
            missing[#missing + 1] = i - 1
          elseif tonumber(used) > tonumber(ARGV[4]) - tonumber(ARGV[3 + i]) then
            return { -1, i - 1, tonumber(used) }
          end
        end
        if #missing > 0 then return { -2, #missing, unpack(missing) } end
        redis.call('HSET', KEYS[1], 'tokens', tokens - wanted, 'at', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
        return { 1 }
        """;

    private readonly ConcurrentDictionary<(Guid, IngestionBudget), TokenBucketRateLimiter> _local = new();

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
        var sums = Sums(events);
        var keys = new RedisKey[sums.Count + 1];
        var arguments = new RedisValue[sums.Count + 4];
        keys[0] = $"ingest-budget:{{{tenant.TenantId:N}}}";
        arguments[0] = budget.EventsPerSecond;
        arguments[1] = budget.Burst;
        arguments[2] = events.Count;
        arguments[3] = UsageEventRules.MaxPeriodTotal;
        for (var i = 0; i < sums.Count; i++)
        {
            keys[i + 1] = UsageCounterKey.For(tenant.TenantId, sums[i].Metric.ToKey(), sums[i].PeriodStart);
            arguments[i + 4] = sums[i].Adding;
        }

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
                    ledger.SeedAsync(tenant.TenantId, s.Metric, tenant.PeriodAt(s.OccurredAt), UsageCounterKey.For(tenant.TenantId, s.Metric.ToKey(), s.PeriodStart), cancellationToken)));
            }

            throw new InvalidOperationException($"Usage counters of tenant {tenant.TenantId} vanished twice while admitting events.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Redis unavailable; the ingestion budget of tenant {TenantId} is kept by this replica alone", tenant.TenantId);
            return AdmitLocally(tenant.TenantId, budget, events.Count);
        }
    }

    private Answer AdmitLocally(Guid tenantId, IngestionBudget budget, int events)
    {
        // Keyed by the budget too, so a changed plan or override takes effect without forgetting other tenants.
        var limiter = _local.GetOrAdd((tenantId, budget), static key => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = key.Item2.Burst,
            TokensPerPeriod = key.Item2.EventsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = limiter.AttemptAcquire(events);
        return lease.IsAcquired
            ? new Admitted()
            : new OverBudget(budget, lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1));
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

    public void Dispose()
    {
        foreach (var limiter in _local.Values)
        {
            limiter.Dispose();
        }
    }
}
