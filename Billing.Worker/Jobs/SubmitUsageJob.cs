using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Submission;
using Billing.Infrastructure.Tenancy;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Billing.Worker.Jobs;

/// <summary>
/// Every 5 minutes: closed buckets into meter submissions, then the pending submissions to Stripe, lane by lane
/// (<see cref="SubmissionOptions.Lanes"/>). Each lane is a recurring job of its own, so that several workers submit
/// different lanes at the same time; the all-lanes run takes whatever lane no lane job holds.
/// </summary>
public sealed class SubmitUsageJob(
    MeterSubmissionCloser closer, MeterSubmissionSender sender, ExclusiveRun exclusive, IOptions<StripeOptions> stripe,
    IOptions<SubmissionOptions> options, TimeProvider clock, ILogger<SubmitUsageJob> logger)
{
    public const string Name = "submit-usage";

    /// <summary>The recurring job of one lane; also the name of the lane's lock (<see cref="ExclusiveRun"/>).</summary>
    public static string LaneName(int lane) => $"{Name}-lane-{lane}";

    [AutomaticRetry(Attempts = 0)] // The next run in five minutes is the retry; failed sends keep their own backoff.
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var lane in TenantLane.Of(options.Value.Lanes))
        {
            await SubmitAsync(lane, cancellationToken);
        }
    }

    /// <summary>One lane, unless another run holds it; a lane past the configured count (left by a larger setting) is nothing to do.</summary>
    [AutomaticRetry(Attempts = 0)]
    public Task RunLaneAsync(int lane, CancellationToken cancellationToken) =>
        TenantLane.Numbered(lane, options.Value.Lanes) is { } numbered ? SubmitAsync(numbered, cancellationToken) : Task.CompletedTask;

    private async Task SubmitAsync(TenantLane lane, CancellationToken cancellationToken)
    {
        if (!stripe.Value.Enabled)
        {
            logger.LogDebug("Stripe is not configured; usage is not submitted");
            return;
        }

        await using var run = await exclusive.TryEnterAsync(LaneName(lane.Index), cancellationToken);
        if (run is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var closed = await closer.CloseAsync(now, cancellationToken, lane);
        var sent = await sender.SendAsync(now, cancellationToken, lane);
        logger.LogInformation(
            "Submission of lane {Lane} of {Lanes}: {Windows} windows closed into {Created} meter events, {Held} held for a missing billing row; {Sent} sent ({Path}), {Retrying} to retry, {Failed} failed, {Skipped} skipped",
            lane.Index, lane.Count, closed.Windows, closed.Submissions, closed.Held, sent.Sent, sent.UsedStream ? "v2 stream" : "v1", sent.Retrying, sent.Failed, sent.Skipped);
    }
}
