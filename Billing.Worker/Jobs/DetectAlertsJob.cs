using Billing.Infrastructure.Alerts;
using Hangfire;

namespace Billing.Worker.Jobs;

/// <summary>Every minute: thresholds newly crossed by tenants active since the previous run become pending alerts.</summary>
public sealed class DetectAlertsJob(AlertDetector detector, ExclusiveRun exclusive, TimeProvider clock)
{
    public const string Name = "detect-alerts";

    // One run at a time: overlapping runs would only evaluate the same tenants twice. No Hangfire retry: the next
    // minute's run starts where this one stopped.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var run = await exclusive.TryEnterAsync(Name, cancellationToken);
        if (run is not null)
        {
            await detector.RunAsync(clock.GetUtcNow(), cancellationToken);
        }
    }
}
