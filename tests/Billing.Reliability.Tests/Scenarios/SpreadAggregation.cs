using Billing.Reliability.Tests.Harness;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>Scenario 3c: both workers fold lanes of the aggregation at the same time under load.</summary>
public sealed partial class FaultScenarios
{
    [Fact]
    [Scenario(3)]
    public async Task Both_workers_aggregate_lanes_at_once_and_count_nothing_twice()
    {
        var before = await system.Jobs.LaneRunsByProcessAsync(Token);
        var result = await new ScenarioRunner(system).RunAsync("3c. aggregation lanes on both workers", async ct =>
        {
            // Every lane's job at once, again and again while the load runs: whichever worker polls first takes each.
            for (var round = 0; round < 6; round++)
            {
                system.Jobs.TriggerLanes(lanes: 4);
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
        }, Token);

        var after = await system.Jobs.LaneRunsByProcessAsync(Token);
        var workers = system.Workers.Select(w => w.ProcessId).OfType<int>().ToHashSet();
        var ranLanes = after.Where(r => workers.Contains(r.Key) && r.Value > before.GetValueOrDefault(r.Key)).Select(r => r.Key).ToList();
        Assert.True(ranLanes.Count == 2, $"lane jobs ran on {ranLanes.Count} of the 2 workers ({string.Join(", ", after.Select(r => $"{r.Key}: {r.Value}"))})\n" + result.Explain());
        ScenarioAssert.Holds(result);
    }
}
