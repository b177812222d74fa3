using Billing.Infrastructure.Alerts;
using Hangfire;

namespace Billing.Worker.Jobs;

/// <summary>
/// Every minute: due alerts are POSTed to their tenants' URLs. No Hangfire lock is needed: each alert is claimed by
/// one deliverer in the database, so runs on several workers (or a slow run overlapping the next) share the work.
/// </summary>
public sealed class DeliverAlertsJob(AlertDeliverer deliverer, ILogger<DeliverAlertsJob> logger)
{
    public const string Name = "deliver-alerts";

    // No Hangfire retry: each alert keeps its own backoff, and the next minute's run delivers what is due.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var result = await deliverer.DeliverDueAsync(cancellationToken);
        logger.LogInformation("Alert delivery: {Delivered} delivered, {Retrying} to retry, {Failed} failed, {Skipped} skipped",
            result.Delivered, result.Retrying, result.Failed, result.Skipped);
    }
}
