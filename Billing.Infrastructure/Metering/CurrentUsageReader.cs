using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Redis;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// A tenant's usage per metric in a period: from the Redis counters when present, rebuilt from
/// PostgreSQL when missing, and read from PostgreSQL alone while Redis is unreachable.
/// </summary>
public sealed class CurrentUsageReader(NpgsqlDataSource dataSource, UsageCounters counters, ILogger<CurrentUsageReader> logger)
{
    public async Task<IReadOnlyDictionary<Metric, long>> ReadAsync(Guid tenantId, BillingPeriod period, CancellationToken cancellationToken)
    {
        var metrics = MetricKeys.All;
        var keys = metrics.Select(m => RedisKeys.UsageCounter(tenantId, m.ToKey(), period.Start)).ToList();
        long?[] cached;
        try
        {
            cached = await counters.ReadAsync(keys);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            logger.LogWarning(e, "Redis unavailable; usage of tenant {TenantId} read from PostgreSQL", tenantId);
            return (await ReadFromDatabaseAsync(tenantId, period, metrics, cancellationToken)).ToDictionary(p => p.Key, p => p.Value.Value);
        }

        var usage = new Dictionary<Metric, long>();
        var missing = new List<Metric>();
        for (var i = 0; i < metrics.Count; i++)
        {
            if (cached[i] is { } value)
            {
                usage[metrics[i]] = value;
            }
            else
            {
                missing.Add(metrics[i]);
            }
        }

        if (missing.Count > 0)
        {
            foreach (var (metric, fromDatabase) in await ReadFromDatabaseAsync(tenantId, period, missing, cancellationToken))
            {
                usage[metric] = await SeedAsync(RedisKeys.UsageCounter(tenantId, metric.ToKey(), period.Start), fromDatabase);
            }
        }

        return usage;
    }

    private async Task<long> SeedAsync(string key, PeriodUsageQuery.MetricUsage fromDatabase)
    {
        try
        {
            return await counters.SeedAsync(key, fromDatabase.Value, fromDatabase.LastEventAt);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            logger.LogWarning(e, "Redis unavailable while rebuilding {Key}", key);
            return fromDatabase.Value;
        }
    }

    private async Task<Dictionary<Metric, PeriodUsageQuery.MetricUsage>> ReadFromDatabaseAsync(
        Guid tenantId, BillingPeriod period, IReadOnlyCollection<Metric> metrics, CancellationToken cancellationToken)
    {
        await using var connection = await TenantConnections.OpenAsync(dataSource, cancellationToken);
        return await PeriodUsageQuery.ReadAsync(connection, tenantId, period.Start, period.End, metrics, cancellationToken);
    }
}
