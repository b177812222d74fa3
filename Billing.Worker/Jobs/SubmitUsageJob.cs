using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Submission;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Billing.Worker.Jobs;

/// <summary>Every 5 minutes: closed buckets into meter submissions, then the pending submissions to Stripe.</summary>
public sealed class SubmitUsageJob(
    MeterSubmissionCloser closer, MeterSubmissionSender sender, ExclusiveRun exclusive, IOptions<StripeOptions> stripe, TimeProvider clock,
    ILogger<SubmitUsageJob> logger)
{
    public const string Name = "submit-usage";

    [AutomaticRetry(Attempts = 0)] // The next run in five minutes is the retry; failed sends keep their own backoff.
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!stripe.Value.Enabled)
        {
            logger.LogDebug("Stripe is not configured; usage is not submitted");
            return;
        }

        await using var run = await exclusive.TryEnterAsync(Name, cancellationToken);
        if (run is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var closed = await closer.CloseAsync(now, cancellationToken);
        var sent = await sender.SendAsync(now, cancellationToken);
        logger.LogInformation(
            "Submission: {Windows} windows closed into {Created} meter events, {Held} held for a missing billing row; {Sent} sent ({Path}), {Retrying} to retry, {Failed} failed, {Skipped} skipped",
            closed.Windows, closed.Submissions, closed.Held, sent.Sent, sent.UsedStream ? "v2 stream" : "v1", sent.Retrying, sent.Failed, sent.Skipped);
    }
}
