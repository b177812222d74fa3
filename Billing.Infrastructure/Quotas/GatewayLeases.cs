using System.Globalization;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Billing.Infrastructure.Quotas;

/// <summary>
/// Leases of quota for gateways that count requests themselves (nginx with Lua): a lease reserves N requests' worth of
/// a route's metrics in the same Redis counters, with the same atomic check, as a request's reservation, so hard caps
/// stay exact across API replicas and gateways. The gateway reports its cumulative count; each report records only
/// the units past the last one, as usage events whose ids are the lease's and the count's (a repeated report records
/// nothing new). Closing a lease (the gateway's final report, or the API when it expired) gives the units granted and
/// not reported back to the counters. Without Redis nothing is granted: the gateway's failure policy applies.
/// </summary>
/// <remarks>
/// Steps and crashes: a report first marks its count in flight (<c>q</c>), then records the events, then moves the
/// reported count. A crash after the mark leaves it in flight: the next report, or the close, records it again first
/// (same event ids, stored once). A crash between granting and the gateway learning the lease leaves a lease no
/// gateway counts on: it expires and gives all its units back.
/// </remarks>
public sealed class GatewayLeases(
    IConnectionMultiplexer redis,
    QuotaLedger ledger,
    StaleCounters stale,
    MeteredUsageRecorder recorder,
    TimeProvider clock,
    ILogger<GatewayLeases> logger)
{
    /// <summary>How long past its expiry and grace a lease may wait for the sweep that closes it; its counters live as long.</summary>
    private static readonly TimeSpan SweepMargin = TimeSpan.FromMinutes(1);

    /// <summary>Grants up to <paramref name="wanted"/> units of <paramref name="route"/> (each consuming <paramref name="charges"/>).</summary>
    /// <exception cref="RedisException">Redis is unavailable: nothing was granted.</exception>
    public async Task<LeaseGrant> GrantAsync(Guid tenantId, BillingPeriod period, string route, IReadOnlyList<LeaseCharge> charges, long wanted,
        TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken)
    {
        var leaseId = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var expiresAt = now + lifetime;
        RedisKey[] keys = [.. RedisKeys.LeaseGrantKeys(tenantId, charges.Select(c => c.Quota.Metric.ToKey()), period.Start, leaseId).Select(k => (RedisKey)k)];
        var counters = keys[..^1];
        RedisValue[] arguments =
        [
            charges.Count,
            .. charges.SelectMany(c => new RedisValue[] { c.PerUnit, c.Quota.HardLimit ?? -1 }),
            wanted,
            UsageEventRules.MaxPeriodTotal,
            route,
            period.Start.ToUnixTimeSeconds(),
            expiresAt.ToUnixTimeMilliseconds(),
            (long)(lifetime + grace + SweepMargin).TotalMilliseconds,
            string.Join(' ', counters.Select(k => k.ToString())),
            string.Join(' ', charges.Select(c => c.Quota.Metric.ToKey())),
            string.Join(' ', charges.Select(c => c.PerUnit.ToString(CultureInfo.InvariantCulture))),
        ];
        var database = redis.GetDatabase();
        await stale.DropIfStaleAsync(counters);
        // In the index first: a lease that exists is always found by the sweep, even if this process dies right after.
        await database.SortedSetAddAsync(RedisKeys.GatewayLeasesOpen, IndexMember(tenantId, leaseId), (expiresAt + grace).ToUnixTimeMilliseconds());
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(GatewayLeaseScripts.Grant, keys, arguments))!;
            var state = (int)result[0];
            if (state == -1)
            {
                await Task.WhenAll(result.Skip(2).Select(r => (int)r - 1)
                    .Select(i => ledger.SeedAsync(tenantId, charges[i].Quota.Metric, period, counters[i].ToString(), cancellationToken)));
                continue;
            }

            long[] used = [.. result.Skip(2).Select(r => (long)r)];
            if (state == 0)
            {
                await database.SortedSetRemoveAsync(RedisKeys.GatewayLeasesOpen, IndexMember(tenantId, leaseId));
                return new LeaseGrant(null, 0, used, (int)result[1] - 1, expiresAt);
            }

            return new LeaseGrant(leaseId, (long)result[1], used, -1, expiresAt);
        }

        throw new InvalidOperationException($"Usage counters of tenant {tenantId} vanished twice while granting a lease.");
    }

    /// <summary>
    /// Records the gateway's cumulative count <paramref name="used"/> (null: only what an earlier report left in flight)
    /// and, when <paramref name="close"/>, closes the lease and gives its unreported units back.
    /// </summary>
    /// <exception cref="UsageStoreUnavailableException">The usage could not be recorded: nothing moved, report again.</exception>
    /// <exception cref="RedisException">Redis is unavailable: report again.</exception>
    public async Task<LeaseReport> ReportAsync(Guid tenantId, string leaseId, long? used, bool close)
    {
        var database = redis.GetDatabase();
        var key = RedisKeys.GatewayLease(tenantId, leaseId);
        var lease = await ReadAsync(database, key);
        if (lease is null)
        {
            return LeaseReport.Gone;
        }

        var reported = 0L;
        for (var round = 0; round < 3; round++)
        {
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(GatewayLeaseScripts.BeginReport, [key], [used ?? -1]))!;
            var (state, from, to) = ((int)result[0], (long)result[1], (long)result[2]);
            switch (state)
            {
                case -1:
                    return LeaseReport.Gone;
                case -2:
                    return new LeaseReport(LeaseReportState.MoreThanGranted, from, to);
                case 0:
                    reported = from;
                    break;
                default:
                    await RecordAsync(tenantId, leaseId, lease, from, to);
                    await database.ScriptEvaluateAsync(GatewayLeaseScripts.CommitReport, [key], [to]);
                    reported = to;
                    break;
            }

            if (state != 2)
            {
                break;
            }
        }

        if (!close)
        {
            return new LeaseReport(LeaseReportState.Recorded, reported, lease.Granted);
        }

        var closed = (long)(await database.ScriptEvaluateAsync(GatewayLeaseScripts.Close, [key, .. lease.Counters.Select(c => (RedisKey)c)],
            [.. lease.PerUnit.Select(u => (RedisValue)u)]));
        if (closed == -2)
        {
            // Another report is in flight (the gateway and the sweep at once): finishing it is that caller's work.
            return new LeaseReport(LeaseReportState.Recorded, reported, lease.Granted);
        }

        await database.SortedSetRemoveAsync(RedisKeys.GatewayLeasesOpen, IndexMember(tenantId, leaseId));
        if (closed > 0)
        {
            logger.LogDebug("Lease {LeaseId} of tenant {TenantId} closed: {Units} unused units given back", leaseId, tenantId, closed);
        }

        return new LeaseReport(LeaseReportState.Closed, reported, lease.Granted);
    }

    /// <summary>Whether the tenant holds the open lease <paramref name="leaseId"/>.</summary>
    public Task<bool> ExistsAsync(Guid tenantId, string leaseId) => redis.GetDatabase().KeyExistsAsync(RedisKeys.GatewayLease(tenantId, leaseId));

    /// <summary>Closes every lease past its expiry and grace (at most <paramref name="limit"/>): what was reported stays recorded, the rest is given back.</summary>
    public async Task<int> CloseExpiredAsync(int limit)
    {
        var database = redis.GetDatabase();
        var due = await database.SortedSetRangeByScoreAsync(RedisKeys.GatewayLeasesOpen, double.NegativeInfinity, clock.GetUtcNow().ToUnixTimeMilliseconds(),
            take: limit);
        foreach (var member in due)
        {
            var text = member.ToString();
            var split = text.IndexOf(':', StringComparison.Ordinal);
            if (split > 0 && Guid.TryParseExact(text[..split], "N", out var tenantId))
            {
                var report = await ReportAsync(tenantId, text[(split + 1)..], used: null, close: true);
                if (report.State == LeaseReportState.Closed)
                {
                    logger.LogInformation("Lease {LeaseId} of tenant {TenantId} expired unclosed; {Reported} of {Granted} units recorded, the rest given back",
                        text[(split + 1)..], tenantId, report.Reported, report.Granted);
                }
            }

            // Gone (closed by its gateway, or never granted), or closed now.
            await database.SortedSetRemoveAsync(RedisKeys.GatewayLeasesOpen, member);
        }

        return due.Length;
    }

    private async Task RecordAsync(Guid tenantId, string leaseId, StoredLease lease, long from, long to)
    {
        var now = clock.GetUtcNow();
        var trace = System.Diagnostics.Activity.Current?.Id;
        List<NewUsageEvent> events = [.. lease.Metrics.Select((metric, i) => new NewUsageEvent(tenantId,
            string.Create(CultureInfo.InvariantCulture, $"gwl:{leaseId}:{to}:{metric}"), metric, (to - from) * lease.PerUnit[i], now, lease.PeriodStart, null, trace,
            Precounted: true))];
        // The counters hold these units since the grant (Precounted); a repeat of this report stores them once (same ids).
        await recorder.RecordAsync(events, redisDown: false);
    }

    private static async Task<StoredLease?> ReadAsync(IDatabase database, string key)
    {
        var fields = (await database.HashGetAllAsync(key)).ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        if (!fields.TryGetValue("g", out var granted))
        {
            return null;
        }

        return new StoredLease(long.Parse(granted, CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeSeconds(long.Parse(fields["p"], CultureInfo.InvariantCulture)),
            fields["k"].Split(' '), fields["m"].Split(' '), [.. fields["u"].Split(' ').Select(u => long.Parse(u, CultureInfo.InvariantCulture))]);
    }

    private static string IndexMember(Guid tenantId, string leaseId) => $"{tenantId:N}:{leaseId}";

    private sealed record StoredLease(long Granted, DateTimeOffset PeriodStart, string[] Counters, string[] Metrics, long[] PerUnit);
}

/// <summary>What one lease unit (one request on the route) consumes of a quota.</summary>
public sealed record LeaseCharge(Quota Quota, long PerUnit);

/// <summary>A lease's grant.</summary>
/// <param name="LeaseId">Null when nothing was granted.</param>
/// <param name="Used">Each metric's counter before the grant (reservations of open leases included).</param>
/// <param name="Refused">When nothing was granted, the index of the charge that had no room; -1 otherwise.</param>
public sealed record LeaseGrant(string? LeaseId, long Granted, IReadOnlyList<long> Used, int Refused, DateTimeOffset ExpiresAt);

public enum LeaseReportState
{
    Recorded,
    Closed,
    Gone,
    MoreThanGranted,
}

/// <param name="Reported">The cumulative count recorded for the lease.</param>
public sealed record LeaseReport(LeaseReportState State, long Reported, long Granted)
{
    public static readonly LeaseReport Gone = new(LeaseReportState.Gone, 0, 0);
}
