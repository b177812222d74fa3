using Billing.Infrastructure.Tenancy;
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
    public async Task PostgreSQL_down_for_sixty_seconds_under_buffered_load_keeps_the_bounds_and_loses_nothing()
    {
        // The buffered path (the default), with bounds small enough for this load to reach them within the outage: the
        // buffer and the stream fill, then metered requests are refused (503) instead of growing either.
        var buffered = new Dictionary<string, string>
        {
            ["UsageBuffer__Enabled"] = "true",
            ["UsageBuffer__MaxEvents"] = "20",
            ["UsageStream__MaxLength"] = "10",
        };
        // The warnings each replica logs once when it first finds the buffer, or the stream, full.
        const string bufferFull = "The usage buffer holds";
        const string streamFull = "entries not yet committed (UsageStream:MaxLength)";
        // What usage may wait for PostgreSQL is bounded, so a minute without it must not grow an API by much.
        const double allowedGrowthMegabytes = 150;
        foreach (var api in system.Apis)
        {
            await api.RestartAsync(buffered, Token);
            api.Watch(bufferFull);
            api.Watch(streamFull);
        }

        try
        {
            var before = system.Apis.Max(a => a.ResidentMegabytes());
            var result = await new ScenarioRunner(system).RunAsync("3c. PostgreSQL down 60 s (buffered)", async ct =>
            {
                // The tenants' plans are cached for 5 s from the load's first requests, which began 5 s ago: stopping
                // PostgreSQL half-way through the next 5 s leaves metered requests time to reach the bounds before they
                // need PostgreSQL for the plan (and fail on it, as they do during any outage).
                await Task.Delay(TenantBillingStore.CacheDuration / 2, ct);
                await system.Postgres.StopAsync();
                await Task.Delay(TimeSpan.FromSeconds(60), ct);
                await system.Postgres.StartAsync(ct);
            }, Token);

            ScenarioAssert.Holds(result);
            Assert.True(system.Apis.Any(a => a.Mentions(bufferFull) > 0) && system.Apis.Any(a => a.Mentions(streamFull) > 0),
                "the load did not reach the bounds during the outage\n" + result.Explain());
            Assert.True(result.PeakApiMegabytes <= before + allowedGrowthMegabytes,
                $"an API grew from {before:F0} MiB to {result.PeakApiMegabytes:F0} MiB\n" + result.Explain());
        }
        finally
        {
            // The other scenarios run the zero-loss setting (ReliabilitySystem).
            foreach (var api in system.Apis)
            {
                await api.RestartAsync(new Dictionary<string, string>(), Token);
            }
        }
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
