using Billing.Domain.Alerts;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// Raises alerts: for each recently active tenant, its current period's usage (from <c>usage_events</c>, the source of
/// truth) against its plan's included quantities and its spend limit; each threshold newly crossed becomes a pending
/// <c>usage_alerts</c> row, which is also the outbox of its webhook.
/// </summary>
public sealed class AlertDetector(NpgsqlDataSource dataSource, TenantBillingStore tenants, AlertMetrics metrics, ILogger<AlertDetector> logger)
{
    /// <summary>The <c>worker_heartbeats</c> row whose <c>last_run_at</c> is where the next run picks up.</summary>
    public const string RunKey = "detect-alerts";

    /// <summary>
    /// How far before the previous run a run looks again. An event's <c>received_at</c> is its transaction's start, and
    /// it becomes visible only at commit; ingestion commits within milliseconds, so a generous overlap catches events
    /// still in flight during the previous scan, and any clock difference between the worker and PostgreSQL. Looking
    /// at a tenant twice costs one evaluation: the alerts themselves are written once.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(2);

    private const string LastRunSql = "SELECT last_run_at FROM worker_heartbeats WHERE job = @job";

    private const string RecordRunSql = """
        INSERT INTO worker_heartbeats (job, last_run_at, runs, host) VALUES (@job, @now, 1, @host)
        ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, runs = worker_heartbeats.runs + 1, host = excluded.host
        """;

    private const string SpendLimitSql = "SELECT spend_limit_cents FROM tenants WHERE id = @tenant";

    /// <summary>One detection run: every tenant active since the previous run (less <see cref="Overlap"/>) or failed before; returns the alerts raised.</summary>
    public async Task<int> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset previous;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var lastRun = new NpgsqlCommand(LastRunSql, connection))
        {
            lastRun.Parameters.AddWithValue("job", RunKey);
            previous = await lastRun.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : now;
        }

        var raised = await DetectAsync(previous - Overlap, now, cancellationToken);

        // Recorded only after the run got through its tenants (a tenant that failed is kept in alert_detection_retries):
        // a run that failed as a whole leaves its window to the next one.
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var record = new NpgsqlCommand(RecordRunSql, connection))
        {
            record.Parameters.AddWithValue("job", RunKey);
            record.Parameters.AddWithValue("now", now.UtcDateTime);
            record.Parameters.AddWithValue("host", Environment.MachineName);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        return raised;
    }

    /// <summary>
    /// Evaluates every tenant with events received, or settings changed, since <paramref name="since"/>, and every tenant
    /// whose evaluation failed before. A tenant that fails is logged, counted (<c>billing.alerts.detection_failed</c>) and
    /// kept for the next run; the others are evaluated all the same.
    /// </summary>
    public async Task<int> DetectAsync(DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlySet<Guid> active;
        IReadOnlySet<Guid> retries;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            active = await RecentlyActiveTenants.SinceAsync(connection, since, cancellationToken);
            retries = await AlertDetectionRetries.TenantsAsync(connection, cancellationToken);
        }

        var raised = 0;
        var failed = 0;
        foreach (var tenantId in active.Union(retries))
        {
            try
            {
                raised += (await EvaluateAsync(tenantId, now, cancellationToken)).Count;
                if (retries.Contains(tenantId))
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                    await AlertDetectionRetries.SucceededAsync(connection, tenantId, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One tenant that cannot be evaluated must keep neither the others from their alerts nor the cursor from
                // moving on: it is noted, and every run evaluates it again until it succeeds.
                failed++;
                metrics.DetectionFailed();
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                var failures = await AlertDetectionRetries.FailedAsync(connection, tenantId, e, now, cancellationToken);
                logger.LogError(e, "Alerts of tenant {TenantId} could not be evaluated ({Failures} runs in a row); the next run evaluates it again", tenantId, failures);
            }
        }

        logger.LogInformation(
            "Alert detection looked at {Tenants} tenants ({Active} active since {Since:O}, {Retries} failed before), raised {Raised} alerts, {Failed} failed",
            active.Count + retries.Count(t => !active.Contains(t)), active.Count, since, retries.Count, raised, failed);
        return raised;
    }

    /// <summary>Raises the alerts of one tenant's period containing <paramref name="now"/>; returns the crossings that were new.</summary>
    public async Task<IReadOnlyList<ThresholdCrossing>> EvaluateAsync(Guid tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var billing = await tenants.GetAsync(tenantId, cancellationToken);
        if (billing is null)
        {
            // No subscription: nothing is included and nothing is priced.
            return [];
        }

        var period = billing.PeriodAt(now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var usage = await PeriodUsageQuery.ReadAsync(connection, tenantId, period.Start, period.End, MetricKeys.All, cancellationToken);
        await using var spendLimit = new NpgsqlCommand(SpendLimitSql, connection);
        spendLimit.Parameters.AddWithValue("tenant", tenantId);
        var limit = await spendLimit.ExecuteScalarAsync(cancellationToken) as long?;

        // The plan as the usage API prices it, so an alert's spend is the costCents the tenant sees there.
        var crossings = AlertRules.Crossings(billing.Plan, usage.ToDictionary(u => u.Key, u => u.Value.Value), limit);
        var raised = await AlertOutbox.InsertAsync(connection, tenantId, period.Start, crossings, now, cancellationToken);
        foreach (var crossing in raised)
        {
            metrics.Raised(crossing.Kind.ToKey(), crossing.ThresholdPercent);
        }

        return raised;
    }
}
