using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Records what a metered request consumed, after its handler did the work. Normally one append to the usage stream:
/// durable in Redis, committed to PostgreSQL by the drainers in the background, so the response does not wait for a
/// database commit. When the stream cannot take the events (Redis unreachable or refusing, the stream full or turned
/// off), they are committed to PostgreSQL before this returns, as without the stream, so nothing is lost either way.
/// With buffering on (<see cref="UsageBufferOptions.Enabled"/>) the events are handed to the <see cref="UsageRecordBuffer"/>
/// instead, and the request does not wait for Redis either, unless the buffer is full: then the request records them
/// itself (stream, else PostgreSQL). With buffering off, the zero-loss setting, they are committed to PostgreSQL first
/// and appended to the stream only when PostgreSQL cannot take them (see <see cref="CommittedFirstAsync"/>). When
/// nothing takes them the caller refuses the request (503), so usage is never dropped silently; the events' ids are the
/// request's own, so whichever store took them holds them once.
/// </summary>
public sealed class MeteredUsageRecorder(
    UsageStream stream,
    UsageRecordBuffer buffer,
    UsageIngestionQueue ingestion,
    UsageStreamMetrics metrics,
    IOptions<UsageStreamOptions> options,
    ILogger<MeteredUsageRecorder> logger)
{
    /// <param name="redisDown">The request was just decided in PostgreSQL because Redis did not answer: an append would only fail too.</param>
    /// <exception cref="UsageStoreUnavailableException">Neither the stream nor PostgreSQL (tried twice) took the events.</exception>
    public async Task RecordAsync(IReadOnlyList<NewUsageEvent> events, bool redisDown)
    {
        if (options.Value.Enabled)
        {
            if (!redisDown && buffer.Enabled && buffer.TryAdd(events))
            {
                return;
            }

            if (!redisDown && !buffer.Enabled && await CommittedFirstAsync(events))
            {
                return;
            }

            if (!redisDown)
            {
                try
                {
                    if (await stream.TryAppendAsync(events))
                    {
                        return;
                    }
                }
                catch (Exception e) when (RedisFailures.IsUnavailable(e))
                {
                    // An append that timed out may still have reached the stream: PostgreSQL then receives the events twice
                    // (from here and from a drainer) and keeps them once, as their ids are this request's own.
                    logger.LogWarning(e, "Usage stream unavailable; the request's usage is committed to PostgreSQL directly");
                }
            }

            metrics.RecordFallback();
        }

        try
        {
            await ingestion.SubmitWithRetryAsync(events);
        }
        catch (UsageStoreUnavailableException)
        {
            metrics.RecordRefused();
            throw;
        }
    }

    /// <summary>
    /// Buffering off is the zero-loss setting: the usage is committed to PostgreSQL before the answer, so neither a
    /// crash nor Redis losing its data (a restart without its file, <c>FLUSHALL</c>) can take it; the stream carries it
    /// only while PostgreSQL cannot take it. False when PostgreSQL did not take the events.
    /// </summary>
    private async Task<bool> CommittedFirstAsync(IReadOnlyList<NewUsageEvent> events)
    {
        try
        {
            await ingestion.SubmitAsync(events, CancellationToken.None);
            return true;
        }
        catch (UsageStoreUnavailableException e)
        {
            logger.LogWarning(e, "PostgreSQL did not take the request's usage; it goes to the usage stream until PostgreSQL is back");
            return false;
        }
    }
}
