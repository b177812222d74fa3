using Billing.Reliability.Tests.Load;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// Runs one scenario: fresh tenants (two on soft caps, one with a hard cap on <c>api_calls</c>), load for a few seconds,
/// the fault (which returns once the fault has ended), load for <see cref="AfterFault"/> more, then the drain and the
/// ledgers. Memory of the APIs is sampled throughout.
/// </summary>
public sealed class ScenarioRunner(ReliabilitySystem system)
{
    public const long HardCap = 300;
    public static readonly TimeSpan BeforeFault = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan AfterFault = TimeSpan.FromSeconds(12);

    public async Task<ScenarioResult> RunAsync(string scenario, Func<CancellationToken, Task> fault, CancellationToken cancellationToken)
    {
        List<LoadTenant> tenants =
        [
            await system.CreatePaidTenantAsync(null, cancellationToken),
            await system.CreatePaidTenantAsync(null, cancellationToken),
            await system.CreatePaidTenantAsync(HardCap, cancellationToken),
        ];
        var started = DateTimeOffset.UtcNow;
        var tally = new Tally();
        using var generator = new LoadGenerator(system.Apis, tenants, tally);
        using var stopLoad = new CancellationTokenSource();
        using var stopSampling = new CancellationTokenSource();
        var peak = 0.0;
        var sampling = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, system.Apis.Max(a => a.ResidentMegabytes()));
                await Task.Delay(250, CancellationToken.None);
            }
        }, CancellationToken.None);

        var load = generator.RunAsync(stopLoad.Token);
        await Task.Delay(BeforeFault, cancellationToken);
        await fault(cancellationToken);
        var faultEnded = DateTimeOffset.UtcNow;
        await Task.Delay(AfterFault, cancellationToken);
        await stopLoad.CancelAsync();
        await load;

        var stuck = await Drain.RunAsync(system, tenants, tally, cancellationToken);
        await stopSampling.CancelAsync();
        await sampling;
        var ledgers = await Ledgers.ReadAsync(system, tenants, tally, started, cancellationToken);
        var lastFailure = tally.FailureTimes.Where(t => t > faultEnded).DefaultIfEmpty(faultEnded).Max();
        var capped = tenants.Single(t => t.ApiCallsHardCap is not null);
        // Served past the cap: what the clients were allowed (2xx) or what was counted, whichever is more.
        var cappedCalls = ledgers.Single(l => l.Tenant == capped.Id && l.Metric == "api_calls");
        var overshoot = Math.Max(0, Math.Max(cappedCalls.Confirmed, cappedCalls.Events) - HardCap);
        var result = new ScenarioResult(
            scenario, tally.Sent, tally.Succeeded, ledgers.Sum(l => l.Lost), ledgers.Sum(l => l.Doubled), tally.ServerErrors, tally.TransportErrors,
            (lastFailure - faultEnded).TotalSeconds, overshoot, peak, ledgers, stuck);
        ReliabilityReport.Add(result);
        return result;
    }
}
