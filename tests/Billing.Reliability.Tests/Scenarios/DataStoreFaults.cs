using Billing.Reliability.Tests.Harness;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>Scenarios 3 and 4: PostgreSQL and Redis restarted, frozen, emptied and down, under load.</summary>
public sealed partial class FaultScenarios
{
    [Fact]
    [Scenario(2)]
    public async Task PostgreSQL_restarted_under_load()
    {
        var result = await new ScenarioRunner(system).RunAsync("3a. PostgreSQL restart (fast)", async ct =>
        {
            await system.Postgres.StopAsync();
            await system.Postgres.StartAsync(ct);
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(3)]
    public async Task PostgreSQL_frozen_for_ten_seconds_under_load()
    {
        var result = await new ScenarioRunner(system).RunAsync("3b. PostgreSQL frozen 10 s", async ct =>
        {
            await Faults.SignalPostgresAsync(system, "STOP");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
            }
            finally
            {
                await Faults.SignalPostgresAsync(system, "CONT");
            }
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(3)]
    public async Task PostgreSQL_down_for_sixty_seconds_under_load_keeps_the_APIs_memory_bounded()
    {
        // What usage may wait for PostgreSQL is bounded (UsageBuffer:MaxEvents, UsageStream:MaxLength: some 40 MB each at
        // most), so a minute without PostgreSQL must not grow an API by much more than that.
        const double allowedGrowthMegabytes = 150;
        var before = system.Apis.Max(a => a.ResidentMegabytes());
        var result = await new ScenarioRunner(system).RunAsync("3c. PostgreSQL down 60 s", async ct =>
        {
            await system.Postgres.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(60), ct);
            await system.Postgres.StartAsync(ct);
        }, Token);

        ScenarioAssert.Holds(result);
        Assert.True(result.PeakApiMegabytes <= before + allowedGrowthMegabytes,
            $"an API grew from {before:F0} MiB to {result.PeakApiMegabytes:F0} MiB\n" + result.Explain());
    }

    [Fact]
    [Scenario(4)]
    public async Task Redis_restarted_under_load_keeps_its_append_only_file()
    {
        var result = await new ScenarioRunner(system).RunAsync("4a. Redis restart (AOF)", async ct =>
        {
            await system.Redis.StopAsync();
            await system.Redis.StartAsync(ct);
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(5)]
    public async Task Redis_losing_its_data_under_load()
    {
        var result = await new ScenarioRunner(system).RunAsync("4b. Redis FLUSHALL", _ => Faults.FlushRedisAsync(system), Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(6)]
    public async Task Redis_down_for_thirty_seconds_under_load()
    {
        var result = await new ScenarioRunner(system).RunAsync("4c. Redis down 30 s", async ct =>
        {
            await system.Redis.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            await system.Redis.StartAsync(ct);
        }, Token);

        ScenarioAssert.Holds(result);
    }
}
