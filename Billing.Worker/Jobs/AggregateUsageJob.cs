using Billing.Infrastructure.Metering;
using Hangfire;
using Npgsql;

namespace Billing.Worker.Jobs;

/// <summary>Every minute: raw usage events into 1-minute aggregates, exactly once.</summary>
public sealed class AggregateUsageJob(NpgsqlDataSource dataSource, ExclusiveRun exclusive, AggregationMetrics metrics, ILogger<AggregateUsageJob> logger)
{
    public const string Name = "aggregate-usage";
    public const int BatchSize = 10_000;

    // No Hangfire retry: the next minute's run is the retry, and retries would queue behind it.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var run = await exclusive.TryEnterAsync(Name, cancellationToken);
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
            batch = await UsageAggregator.RunBatchAsync(connection, BatchSize, cancellationToken);
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
        logger.LogInformation("Aggregated {Events} usage events; oldest unaggregated is {Lag:F1} s old", events, lag.TotalSeconds);
    }
}
