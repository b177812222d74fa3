using Billing.Infrastructure.Tenancy;
using Billing.Infrastructure.Metering;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Worker.Jobs;

/// <summary>
/// Every minute: raw usage events into 1-minute aggregates, exactly once, lane by lane (<see cref="AggregationOptions"/>).
/// Each lane is a recurring job of its own, so that several workers fold different lanes at the same time; the
/// all-lanes run catches up whatever lane no lane job took, and is what an operator triggers by hand.
/// </summary>
public sealed class AggregateUsageJob(
    NpgsqlDataSource dataSource, ExclusiveRun exclusive, AggregationMetrics metrics, IOptions<AggregationOptions> options, ILogger<AggregateUsageJob> logger)
{
    public const string Name = "aggregate-usage";
    public const int BatchSize = 10_000;

    /// <summary>The recurring job of one lane; also the name of the lane's lock (<see cref="ExclusiveRun"/>).</summary>
    public static string LaneName(int lane) => $"{Name}-lane-{lane}";

    /// <summary>Every lane in turn, skipping those another run is folding now.</summary>
    // No Hangfire retry: the next minute's run is the retry, and retries would queue behind it.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var lane in TenantLane.Of(options.Value.Lanes))
        {
            await FoldAsync(lane, cancellationToken);
        }
    }

    /// <summary>One lane, unless another run is folding it now; a lane past the configured count (left by a larger setting) is nothing to do.</summary>
    [AutomaticRetry(Attempts = 0)]
    public Task RunLaneAsync(int lane, CancellationToken cancellationToken) =>
        TenantLane.Numbered(lane, options.Value.Lanes) is { } numbered ? FoldAsync(numbered, cancellationToken) : Task.CompletedTask;

    private async Task FoldAsync(TenantLane lane, CancellationToken cancellationToken)
    {
        await using var run = await exclusive.TryEnterAsync(LaneName(lane.Index), cancellationToken);
        if (run is null)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long events = 0, setAside = 0;
        UsageAggregator.Result batch;
        do
        {
            var started = DateTimeOffset.UtcNow;
            batch = await UsageAggregator.RunBatchAsync(connection, BatchSize, cancellationToken, lane);
            AggregationMetrics.TraceBatch(started, batch.Events, batch.TraceParents);
            events += batch.Events;
            setAside += batch.SetAside;
        }
        while (batch.Claimed == BatchSize);

        if (setAside > 0)
        {
            logger.LogWarning("Set aside {SetAside} usage events that cannot be aggregated; GET /api/v1/metering/dead-letters lists them with the reason", setAside);
        }

        var lag = await UsageAggregator.LagAsync(connection, cancellationToken);
        metrics.Record(events, setAside, lag);
        logger.LogInformation("Aggregated {Events} usage events of lane {Lane} of {Lanes}; oldest unaggregated is {Lag:F1} s old",
            events, lane.Index, lane.Count, lag.TotalSeconds);
    }
}
