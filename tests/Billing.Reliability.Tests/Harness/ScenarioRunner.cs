using Billing.Reliability.Tests.Load;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// Runs one scenario: fresh tenants (two on soft caps, one with a hard cap on <c>api_calls</c>), load for a few seconds,
/// the fault (which returns once the fault has ended), load for <see cref="AfterFault"/> more, then the drain, what the
/// scenario does after it, and the ledgers of every billing period the tenants had. Memory of the APIs is sampled throughout.
/// </summary>
public sealed class ScenarioRunner(ReliabilitySystem system)
{
    public const long HardCap = 300;
    public static readonly TimeSpan BeforeFault = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan AfterFault = TimeSpan.FromSeconds(12);

    public Task<ScenarioResult> RunAsync(string scenario, Func<CancellationToken, Task> fault, CancellationToken cancellationToken) =>
        RunAsync(scenario, (_, ct) => fault(ct), null, cancellationToken);

    /// <param name="fault">The fault, given the scenario's tenants.</param>
    /// <param name="afterDrain">What happens between the drain and reading the ledgers (nothing when null).</param>
    public async Task<ScenarioResult> RunAsync(
        string scenario,
        Func<IReadOnlyList<LoadTenant>, CancellationToken, Task> fault,
        Func<IReadOnlyList<LoadTenant>, CancellationToken, Task>? afterDrain,
        CancellationToken cancellationToken)
    {
        List<LoadTenant> tenants =
        [
            await system.CreatePaidTenantAsync(null, cancellationToken),
            await system.CreatePaidTenantAsync(null, cancellationToken),
            await system.CreatePaidTenantAsync(HardCap, cancellationToken),
        ];
        var tally = new Tally();
        using var generator = new LoadGenerator(system.Apis, tenants, tally, system.Clock);
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
        await fault(tenants, cancellationToken);
        var faultEnded = DateTimeOffset.UtcNow;
        await Task.Delay(AfterFault, cancellationToken);
        await stopLoad.CancelAsync();
        await load;

        var stuck = await Drain.RunAsync(system, tenants, tally, cancellationToken);
        await stopSampling.CancelAsync();
        await sampling;
        if (afterDrain is not null)
        {
            await afterDrain(tenants, cancellationToken);
        }

        var ledgers = await Ledgers.ReadAsync(system, tenants, tally, system.Clock.Now, cancellationToken);
        var lastFailure = tally.FailureTimes.Where(t => t > faultEnded).DefaultIfEmpty(faultEnded).Max();
        var capped = tenants.Single(t => t.ApiCallsHardCap is not null);
        // Served past the cap in a period: what the clients were allowed (2xx) or what was counted, whichever is more.
        var overshoot = ledgers.Where(l => l.Tenant == capped.Id && l.Metric == "api_calls")
            .Max(l => Math.Max(0, Math.Max(l.Confirmed, l.Events) - HardCap));
        var result = new ScenarioResult(
            scenario, tally.Sent, tally.Succeeded, ledgers.Sum(l => l.Lost), ledgers.Sum(l => l.Doubled), tally.ServerErrors, tally.TransportErrors,
            (lastFailure - faultEnded).TotalSeconds, overshoot, peak, ledgers, stuck);
        ReliabilityReport.Add(result);
        return result;
    }
}
