using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Submission;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Billing.Worker.Jobs;

/// <summary>Hourly: local usage against Stripe's meter event summaries, drift recorded per (tenant, metric, period).</summary>
public sealed class ReconcileUsageJob(
    MeterReconciler reconciler, ExclusiveRun exclusive, IOptions<StripeOptions> stripe, TimeProvider clock, ILogger<ReconcileUsageJob> logger)
{
    public const string Name = "reconcile-usage";

    /// <summary>Seven minutes past the hour, away from the submission runs on the five-minute marks.</summary>
    public const string Schedule = "7 * * * *";

    // Two retries a few minutes apart: the next run is an hour away, and a Stripe hiccup should not leave drift unseen
    // that long. A retry that finds another run holding the lock ends at once.
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [120, 600])]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!stripe.Value.Enabled)
        {
            return;
        }

        await using var run = await exclusive.TryEnterAsync(Name, cancellationToken);
        if (run is null)
        {
            return;
        }

        var result = await reconciler.RunAsync(clock.GetUtcNow(), cancellationToken);
        logger.LogInformation("Reconciliation: {Compared} totals compared with Stripe, {Drifting} in drift", result.Compared, result.Drifting);
    }
}
