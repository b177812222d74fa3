using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Billing;

/// <summary>Closes periods on the global clock as wall time passes (test clocks close theirs when advanced).</summary>
public sealed class BillingTicker(EmulatorRuntime runtime, ILogger<BillingTicker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(50, runtime.Options.BillingTickMs)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (!runtime.Store.Read(state => BillingEngine.HasWork(state, runtime.Clock)))
                {
                    continue;
                }

                runtime.Background(tx =>
                {
                    BillingEngine.CatchUp(tx);
                    return true;
                });
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Closing billing periods failed");
            }
        }
    }
}
