using System.Diagnostics.Metrics;
using Billing.Infrastructure.Alerts;
using Billing.Infrastructure.Data.Entities;
using Billing.Testing;
using Billing.Worker.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Worker.Tests.Alerts;

/// <summary>
/// Thresholds of included quantities and spend limits become alerts once per threshold and period. Standard plan:
/// 10,000,000 llm_tokens and 10,000 agent_executions included ($0.02 each beyond), a $99.00 base fee.
/// </summary>
public sealed class AlertDetectionTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Anchor = AlertsWorld.Anchor;
    private static readonly DateTimeOffset Now = AlertsWorld.Now;

    private static (string Kind, string? Metric, int Threshold, long Value, long Limit, DateTimeOffset PeriodStart) Row(UsageAlert a) =>
        (a.Kind, a.Metric, a.ThresholdPercent, a.Value, a.Limit, a.PeriodStart);

    [Fact]
    public async Task Usage_below_half_of_the_included_quantity_raises_nothing()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await world.CreateTenantAsync(Anchor);
        await world.AddUsageAsync(tenant, "llm_tokens", 4_900_000, Anchor.AddDays(4));

        var raised = await world.EvaluateAsync(tenant, Now);

        Assert.Empty(raised);
        Assert.Empty(await world.AlertsAsync(tenant));
    }

    [Fact]
    public async Task Half_of_the_included_quantity_raises_one_alert_and_another_run_none()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await world.CreateTenantAsync(Anchor);
        await world.AddUsageAsync(tenant, "llm_tokens", 3_000_000, Anchor.AddDays(4));
        await world.AddUsageAsync(tenant, "llm_tokens", 2_000_000, Anchor.AddDays(4).AddHours(1));

        var first = await world.EvaluateAsync(tenant, Now);
        var second = await world.EvaluateAsync(tenant, Now.AddMinutes(1));

        Assert.Equal([50], first.Select(c => c.ThresholdPercent));
        Assert.Empty(second);
        var alert = Assert.Single(await world.AlertsAsync(tenant));
        Assert.Equal(("included", "llm_tokens", 50, 5_000_000L, 10_000_000L, Anchor), Row(alert));
        Assert.Equal(AlertDeliveryStatus.Pending, alert.DeliveryStatus);
        Assert.Equal(0, alert.DeliveryAttempts);
        Assert.Equal(Now, alert.CreatedAt);
        Assert.Equal(Now, alert.NextAttemptAt);
    }

    [Fact]
    public async Task A_jump_to_the_whole_included_quantity_raises_80_and_100_together()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await world.CreateTenantAsync(Anchor);
        await world.AddUsageAsync(tenant, "llm_tokens", 5_000_000, Anchor.AddDays(4));
        await world.EvaluateAsync(tenant, Now);
        await world.AddUsageAsync(tenant, "llm_tokens", 5_000_000, Anchor.AddDays(4).AddDays(1));

        var raised = await world.EvaluateAsync(tenant, Now.AddMinutes(1));

        Assert.Equal([80, 100], raised.Select(c => c.ThresholdPercent));
        Assert.Equal(
            [("included", "llm_tokens", 50, 5_000_000L, 10_000_000L, Anchor), ("included", "llm_tokens", 80, 10_000_000L, 10_000_000L, Anchor),
             ("included", "llm_tokens", 100, 10_000_000L, 10_000_000L, Anchor)],
            (await world.AlertsAsync(tenant)).Select(Row));
    }

    [Fact]
    public async Task A_new_period_raises_its_alerts_again_from_its_own_usage()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await world.CreateTenantAsync(Anchor);
        var nextPeriod = Anchor.AddMonths(1);
        await world.AddUsageAsync(tenant, "llm_tokens", 6_000_000, Anchor.AddDays(4));
        await world.EvaluateAsync(tenant, Now);
        await world.AddUsageAsync(tenant, "llm_tokens", 5_500_000, nextPeriod.AddDays(2));

        var raised = await world.EvaluateAsync(tenant, nextPeriod.AddDays(3));

        Assert.Equal([50], raised.Select(c => c.ThresholdPercent));
        Assert.Equal(
            [("included", "llm_tokens", 50, 6_000_000L, 10_000_000L, Anchor), ("included", "llm_tokens", 50, 5_500_000L, 10_000_000L, nextPeriod)],
            (await world.AlertsAsync(tenant)).Select(Row));
    }

    [Fact]
    public async Task Crossing_the_spend_limit_raises_spend_alerts_with_spend_and_limit_in_cents()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var tenant = await world.CreateTenantAsync(Anchor, spendLimitCents: 25_000);
        // 6,000 executions over at 2 cents: 12,000 cents, plus the 9,900 base fee = 21,900 of 25,000 (87.6 %).
        await world.AddUsageAsync(tenant, "agent_executions", 16_000, Anchor.AddDays(4));
        await world.EvaluateAsync(tenant, Now);
        var atEightyPercent = (await world.AlertsAsync(tenant)).Where(a => a.Kind == "spend").Select(Row).ToList();
        // 4,000 more: 10,000 over = 20,000 cents, 29,900 in all.
        await world.AddUsageAsync(tenant, "agent_executions", 4_000, Anchor.AddDays(4).AddDays(1));

        var raised = await world.EvaluateAsync(tenant, Now.AddMinutes(1));

        Assert.Equal([("spend", null, 50, 21_900L, 25_000L, Anchor), ("spend", null, 80, 21_900L, 25_000L, Anchor)], atEightyPercent);
        Assert.Equal([(Domain.Alerts.AlertKind.Spend, 100, 29_900L)], raised.Select(c => (c.Kind, c.ThresholdPercent, c.Value)));
        var alerts = await world.AlertsAsync(tenant);
        Assert.Equal(
            [("spend", null, 50, 21_900L, 25_000L, Anchor), ("spend", null, 80, 21_900L, 25_000L, Anchor), ("spend", null, 100, 29_900L, 25_000L, Anchor)],
            alerts.Where(a => a.Kind == "spend").Select(Row));
        // The executions crossed their own included quantity too: 16,000 of 10,000 is past every threshold.
        Assert.Equal([50, 80, 100], alerts.Where(a => a.Metric == "agent_executions").Select(a => a.ThresholdPercent));
    }

    [Fact]
    public async Task The_base_fee_counts_towards_the_spend_limit_and_no_limit_means_no_spend_alerts()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var limited = await world.CreateTenantAsync(Anchor, spendLimitCents: 15_000);
        var unlimited = await world.CreateTenantAsync(Anchor);

        var limitedRaised = await world.EvaluateAsync(limited, Now);
        var unlimitedRaised = await world.EvaluateAsync(unlimited, Now);

        Assert.Equal([("spend", null, 50, 9_900L, 15_000L, Anchor)], (await world.AlertsAsync(limited)).Select(Row));
        Assert.Single(limitedRaised);
        Assert.Empty(unlimitedRaised);
    }

    [Fact]
    public async Task A_run_evaluates_the_tenants_with_events_received_since_the_previous_run()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var now = DateTimeOffset.UtcNow;
        var quiet = await world.CreateTenantAsync(now.AddDays(-5));
        var active = await world.CreateTenantAsync(now.AddDays(-5));
        // Both are past 50 %; the quiet tenant's usage arrived an hour ago, long before the previous run.
        await world.AddUsageAsync(quiet, "llm_tokens", 6_000_000, now.AddHours(-1), receivedAt: now.AddHours(-1));
        await world.AddUsageAsync(active, "llm_tokens", 6_000_000, now.AddMinutes(-1));

        var firstRun = await world.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<DetectAlertsJob>().RunAsync(TestContext.Current.CancellationToken);
            await using var db = world.CreateDbContext();
            return await db.WorkerHeartbeats.AsNoTracking().SingleAsync(h => h.Job == AlertDetector.RunKey);
        });
        var afterFirstRun = (await world.AlertsAsync(quiet)).Count;
        await world.AddUsageAsync(quiet, "llm_tokens", 100, DateTimeOffset.UtcNow);
        await world.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<DetectAlertsJob>().RunAsync(TestContext.Current.CancellationToken);
            return true;
        });

        Assert.Equal(0, afterFirstRun);
        Assert.Equal([50], (await world.AlertsAsync(active)).Select(a => a.ThresholdPercent));
        Assert.Equal([("included", "llm_tokens", 50, 6_000_100L)], (await world.AlertsAsync(quiet)).Select(a => (a.Kind, a.Metric, a.ThresholdPercent, a.Value)));
        Assert.Equal(1, firstRun.Runs);
    }

    [Fact]
    public async Task A_tenant_whose_evaluation_fails_holds_back_neither_the_others_nor_the_cursor_and_is_evaluated_again_until_it_succeeds()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var meters = world.Services.GetRequiredService<IMeterFactory>();
        long detectionFailures = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AlertMetrics.MeterName && instrument.Name == "billing.alerts.detection_failed" && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref detectionFailures, value));
        listener.Start();
        // Whole seconds, as PostgreSQL keeps them exactly.
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // A previous run ten minutes ago; both tenants' usage arrived five minutes ago, after it.
        world.Clock.AdjustTime(now.AddMinutes(-10));
        await RunDetectionAsync(world);
        var failing = await world.CreateTenantAsync(now.AddDays(-5));
        var healthy = await world.CreateTenantAsync(now.AddDays(-5));
        await world.AddUsageAsync(failing, "llm_tokens", 6_000_000, now.AddMinutes(-5), receivedAt: now.AddMinutes(-5));
        await world.AddUsageAsync(healthy, "llm_tokens", 6_000_000, now.AddMinutes(-5), receivedAt: now.AddMinutes(-5));
        // A constraint violation for the failing tenant's alerts only, until the test lifts it.
        await ExecuteAsync(world, $"ALTER TABLE usage_alerts ADD CONSTRAINT refuse_one_tenant CHECK (tenant_id <> '{failing}')");

        world.Clock.AdjustTime(now);
        await RunDetectionAsync(world);
        var cursorAfterFailure = await LastRunAsync(world);
        var failingAfterFailure = await world.AlertsAsync(failing);
        var retriesAfterFailure = await RetriesAsync(world);
        await ExecuteAsync(world, "ALTER TABLE usage_alerts DROP CONSTRAINT refuse_one_tenant");
        // Five minutes on, the failing tenant's usage is older than the run's window: only the retry finds it.
        world.Clock.AdjustTime(now.AddMinutes(5));
        await RunDetectionAsync(world);

        Assert.Equal([50], (await world.AlertsAsync(healthy)).Select(a => a.ThresholdPercent));
        Assert.Equal(now, cursorAfterFailure);
        Assert.Empty(failingAfterFailure);
        Assert.Equal([(failing, 1)], retriesAfterFailure.Select(r => (r.TenantId, r.Failures)));
        Assert.StartsWith("PostgresException: 23514", retriesAfterFailure[0].Error, StringComparison.Ordinal);
        Assert.Equal(1, Interlocked.Read(ref detectionFailures));
        Assert.Equal([("included", "llm_tokens", 50, 6_000_000L)], (await world.AlertsAsync(failing)).Select(a => (a.Kind, a.Metric, a.ThresholdPercent, a.Value)));
        Assert.Empty(await RetriesAsync(world));
        Assert.Equal(now.AddMinutes(5), await LastRunAsync(world));
    }

    private static Task RunDetectionAsync(AlertsWorld world) => world.WithScopeAsync(async sp =>
    {
        await sp.GetRequiredService<DetectAlertsJob>().RunAsync(TestContext.Current.CancellationToken);
        return true;
    });

    private static async Task<DateTimeOffset> LastRunAsync(AlertsWorld world)
    {
        await using var db = world.CreateDbContext();
        return (await db.WorkerHeartbeats.AsNoTracking().SingleAsync(h => h.Job == AlertDetector.RunKey, TestContext.Current.CancellationToken)).LastRunAt;
    }

    private static async Task ExecuteAsync(AlertsWorld world, string sql)
    {
        await using var connection = new NpgsqlConnection(world.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<List<(Guid TenantId, int Failures, string Error)>> RetriesAsync(AlertsWorld world)
    {
        await using var connection = new NpgsqlConnection(world.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT tenant_id, failures, last_error FROM alert_detection_retries ORDER BY tenant_id", connection);
        var rows = new List<(Guid, int, string)>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2)));
        }

        return rows;
    }

    [Fact]
    public async Task A_tenant_whose_settings_changed_is_evaluated_without_new_usage()
    {
        await using var world = await AlertsWorld.CreateAsync(stores);
        var now = DateTimeOffset.UtcNow;
        var tenant = await world.CreateTenantAsync(now.AddDays(-5));
        await world.AddUsageAsync(tenant, "agent_executions", 1_000, now.AddHours(-1), receivedAt: now.AddHours(-1));
        await using (var db = world.CreateDbContext())
        {
            await db.Tenants.Where(t => t.Id == tenant).ExecuteUpdateAsync(t => t.SetProperty(x => x.SpendLimitCents, 10_000).SetProperty(x => x.UpdatedAt, now), TestContext.Current.CancellationToken);
        }

        var raised = await world.WithScopeAsync(sp => sp.GetRequiredService<AlertDetector>().DetectAsync(now.AddMinutes(-2), now, TestContext.Current.CancellationToken));

        Assert.Equal(2, raised);
        Assert.Equal([("spend", 50, 9_900L, 10_000L), ("spend", 80, 9_900L, 10_000L)],
            (await world.AlertsAsync(tenant)).Select(a => (a.Kind, a.ThresholdPercent, a.Value, a.Limit)));
    }
}
