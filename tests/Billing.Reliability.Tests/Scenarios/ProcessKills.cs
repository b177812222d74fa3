using Billing.Reliability.Tests.Harness;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>Scenarios 1 and 2: service processes killed with <c>SIGKILL</c> under load, then started again as a supervisor would.</summary>
public sealed partial class FaultScenarios
{
    [Fact]
    [Scenario(1)]
    [Trait("Reliability", "Quick")]
    public async Task Killing_an_API_under_load_loses_and_doubles_nothing_while_clients_fail_over_to_the_other()
    {
        var result = await new ScenarioRunner(system).RunAsync("1. kill -9 API", async ct =>
        {
            await system.Apis[0].KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            await system.Apis[0].StartAsync(ct);
        }, Token);

        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(11)]
    public async Task Killing_the_worker_that_runs_the_aggregation_loses_and_doubles_nothing()
    {
        var landed = false;
        var result = await new ScenarioRunner(system).RunAsync("2a. kill -9 worker in aggregation", async ct =>
        {
            await system.Jobs.TriggerUnlessQueuedAsync(HangfireJobs.Aggregation, ct);
            landed = await KillTheWorkerRunningAsync(HangfireJobs.Aggregation, ct);
        }, Token);

        Assert.True(landed, "no worker was seen running the aggregation\n" + result.Explain());
        ScenarioAssert.Holds(result);
    }

    [Fact]
    [Scenario(12)]
    public async Task Killing_the_worker_that_sends_to_Stripe_loses_and_doubles_nothing()
    {
        var landed = false;
        var result = await new ScenarioRunner(system).RunAsync("2b. kill -9 worker in submission", async ct =>
        {
            // Stripe answering slowly keeps the submission in flight long enough to be killed in the middle of it.
            await Faults.StripeMeterFaultAsync(system, status: 0, count: 1000, delayMs: 3000);
            await system.Jobs.TriggerUnlessQueuedAsync(HangfireJobs.Aggregation, ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            await system.Jobs.TriggerUnlessQueuedAsync(HangfireJobs.Submission, ct);
            landed = await KillTheWorkerRunningAsync(HangfireJobs.Submission, ct);
            await Faults.ClearStripeFaultsAsync(system);
        }, Token);

        Assert.True(landed, "no worker was seen running the submission\n" + result.Explain());
        ScenarioAssert.Holds(result);
    }

    /// <summary>Waits (up to 15 s) for a worker to run the job, kills that worker, and starts it again.</summary>
    private async Task<bool> KillTheWorkerRunningAsync(string recurringJobId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await system.Jobs.ProcessingPidAsync(recurringJobId, cancellationToken) is { } pid
                && system.Workers.SingleOrDefault(w => w.ProcessId == pid) is { } worker)
            {
                await worker.KillAsync();
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                await worker.StartAsync(cancellationToken);
                return true;
            }

            await Task.Delay(5, cancellationToken);
        }

        return false;
    }
}
