using Billing.Testing;
using Billing.Worker.Health;
using Billing.Worker.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Worker.Tests.Jobs;

public sealed class HeartbeatJobTests(DataStoresFixture stores)
{
    [Fact]
    public async Task Each_run_records_its_time_and_counts_up()
    {
        await using var db = DataStoresFixture.CreateDbContext((await stores.CreateMigratedDatabaseAsync()).Worker);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var job = new HeartbeatJob(db, clock);

        await job.RunAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromMinutes(1));
        await job.RunAsync(TestContext.Current.CancellationToken);

        var heartbeat = await db.WorkerHeartbeats.AsNoTracking().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HeartbeatJob.Name, heartbeat.Job);
        Assert.Equal(2, heartbeat.Runs);
        Assert.Equal(clock.GetUtcNow(), heartbeat.LastRunAt);
    }

    [Fact]
    public async Task Health_is_unhealthy_before_the_first_run_healthy_after_and_unhealthy_when_stale()
    {
        await using var db = DataStoresFixture.CreateDbContext((await stores.CreateMigratedDatabaseAsync()).Worker);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var check = new HeartbeatHealthCheck(db, clock);
        var context = new HealthCheckContext();

        var before = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken);
        await new HeartbeatJob(db, clock).RunAsync(TestContext.Current.CancellationToken);
        var after = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken);
        clock.Advance(HeartbeatHealthCheck.MaxAge + TimeSpan.FromSeconds(1));
        var stale = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal(HealthStatus.Healthy, after.Status);
        Assert.Equal(1L, after.Data["runs"]);
        Assert.Equal(HealthStatus.Unhealthy, stale.Status);
    }
}
