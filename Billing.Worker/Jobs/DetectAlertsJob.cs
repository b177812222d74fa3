using Billing.Infrastructure.Alerts;
using Hangfire;

namespace Billing.Worker.Jobs;

/// <summary>Every minute: thresholds newly crossed by tenants active since the previous run become pending alerts.</summary>
public sealed class DetectAlertsJob(AlertDetector detector, TimeProvider clock)
{
    public const string Name = "detect-alerts";

    // One run at a time: overlapping runs would only evaluate the same tenants twice.
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task RunAsync(CancellationToken cancellationToken) => detector.RunAsync(clock.GetUtcNow(), cancellationToken);
}
