using Billing.Infrastructure.Metering;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Worker.Jobs;

/// <summary>Every hour: event ids past <c>Usage:EventIdRetentionDays</c> stop deduplicating and leave <c>usage_event_ids</c>.</summary>
public sealed class ExpireEventIdsJob(
    NpgsqlDataSource dataSource, ExclusiveRun exclusive, IOptions<EventIdRetentionOptions> options, TimeProvider clock, ILogger<ExpireEventIdsJob> logger)
{
    public const string Name = "expire-event-ids";

    // No Hangfire retry: the next hour's run takes up what this one left.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var run = await exclusive.TryEnterAsync(Name, cancellationToken);
        if (run is null)
        {
            return;
        }

        var cutoff = clock.GetUtcNow() - options.Value.Retention;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long expired = 0;
        int batch;
        do
        {
            batch = await EventIdExpiry.DeleteBatchAsync(connection, cutoff, EventIdExpiry.BatchSize, cancellationToken);
            expired += batch;
        }
        while (batch == EventIdExpiry.BatchSize);

        logger.LogInformation("Expired {Count} event ids received before {Cutoff:O}", expired, cutoff);
    }
}
