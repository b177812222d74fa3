using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Moves the usage stream into PostgreSQL; every API replica runs one. Each step reads a batch through the consumer
/// group, commits its events through the group commit (deduplicated by id, counters advanced after the commit for
/// events a reservation did not count already), and then acknowledges and deletes the entries. A crash after the
/// commit and before the acknowledgement leaves the entry pending; it is delivered again (to this consumer's
/// successor or to another replica, once idle for <see cref="UsageStreamOptions.ClaimIdleMs"/>), and its second
/// commit finds every id stored and counts nothing. StackExchange.Redis cannot block on a read, so the drainer polls:
/// at once after a full batch, after a short pause otherwise, more slowly while the stream stays empty.
/// </summary>
public sealed class UsageStreamDrainer(
    UsageStream stream,
    UsageIngestionQueue ingestion,
    UsageStreamMetrics metrics,
    IOptions<UsageStreamOptions> options,
    ILogger<UsageStreamDrainer> logger) : BackgroundService
{
    private static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ForgetConsumersAfter = TimeSpan.FromHours(1);
    private readonly UsageStreamOptions _options = options.Value;

    // One script call acknowledges a whole batch, and Lua's unpack takes some 8,000 values at most.
    private readonly int _batchSize = Math.Clamp(options.Value.BatchSize, 1, 5_000);

    /// <summary>This process's name in the consumer group: new at each start, so a restarted replica never mistakes a dead one's entries for its own.</summary>
    public string Consumer { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Reads up to a batch (new entries, or this consumer's unacknowledged ones), commits and acknowledges it; returns the entries handled.</summary>
    public async Task<int> DrainAsync(string consumer, bool ownPending)
    {
        var entries = await stream.ReadAsync(consumer, ownPending, _batchSize);
        await CommitAsync(entries);
        await stream.AcknowledgeAsync([.. entries.Select(e => e.Id)]);
        return entries.Count;
    }

    /// <summary>Takes over, commits and acknowledges the entries other consumers left unacknowledged for longer than the claim idle time.</summary>
    public async Task<int> ClaimAsync(string consumer)
    {
        var claimed = 0;
        var next = "0-0";
        do
        {
            (var entries, next) = await stream.ClaimAsync(consumer, TimeSpan.FromMilliseconds(_options.ClaimIdleMs), next, _batchSize);
            if (entries.Count > 0)
            {
                logger.LogInformation("Took over {Count} usage stream entries left unacknowledged by a consumer presumed dead", entries.Count);
                await CommitAsync(entries);
                await stream.AcknowledgeAsync([.. entries.Select(e => e.Id)]);
                metrics.RecordClaimed(entries.Count);
                claimed += entries.Count;
            }
        }
        while (next != "0-0");

        return claimed;
    }

    /// <summary>
    /// Commits the entries' events in one group commit, and sets aside those that can never be committed (so they do
    /// not block the stream). Does not acknowledge: a caller that dies after this leaves the entries to be delivered again.
    /// </summary>
    /// <exception cref="UsageStoreUnavailableException">PostgreSQL did not take the events; the entries stay pending.</exception>
    public async Task CommitAsync(IReadOnlyList<UsageStreamEntry> entries)
    {
        foreach (var entry in entries.Where(e => e.Problem is not null))
        {
            logger.LogError("Usage stream entry {Id} cannot be committed and is set aside in {Key}: {Problem}", entry.Id, stream.SetAsideKey, entry.Problem);
            await stream.SetAsideAsync(entry);
            metrics.RecordSetAside();
        }

        var events = entries.SelectMany(e => e.Events).ToList();
        if (events.Count == 0)
        {
            return;
        }

        try
        {
            // Not cancelled at shutdown: events handed to the group commit are committed, then acknowledged.
            var result = await ingestion.SubmitAsync(events, CancellationToken.None);
            metrics.RecordDrained(result.Accepted, result.Duplicates);
        }
        catch (UsageEventsRefusedException refused)
        {
            // One entry's events are refused whenever they are sent: committed entry by entry, the refused ones are set
            // aside and the rest of the batch is stored, instead of the batch failing on every delivery forever.
            logger.LogWarning(refused, "PostgreSQL refused a batch of {Count} usage stream entries; committing them one by one", entries.Count);
            foreach (var entry in entries.Where(e => e.Events.Count > 0))
            {
                try
                {
                    var result = await ingestion.SubmitAsync(entry.Events, CancellationToken.None);
                    metrics.RecordDrained(result.Accepted, result.Duplicates);
                }
                catch (UsageEventsRefusedException alone)
                {
                    logger.LogError(alone, "Usage stream entry {Id} is refused by PostgreSQL and set aside in {Key}", entry.Id, stream.SetAsideKey);
                    await stream.SetAsideAsync(entry with { Problem = alone.Message });
                    metrics.RecordSetAside();
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Drain)
        {
            return;
        }

        var groupReady = false;
        var ownPending = true;
        var idleDelay = TimeSpan.FromMilliseconds(_options.PollDelayMs);
        long nextClaim = 0, nextBacklog = 0;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                if (!groupReady)
                {
                    await stream.EnsureGroupAsync();
                    groupReady = true;
                }

                var drained = await DrainAsync(Consumer, ownPending);
                // This consumer's own pending entries come first (after a failed commit), until none is left.
                ownPending = ownPending && drained == _batchSize;
                if (Stopwatch.GetTimestamp() >= nextClaim)
                {
                    drained += await ClaimAsync(Consumer);
                    await stream.ForgetIdleConsumersAsync(Consumer, ForgetConsumersAfter);
                    nextClaim = Stopwatch.GetTimestamp() + (_options.ClaimIntervalMs * Stopwatch.Frequency / 1000);
                }

                if (Stopwatch.GetTimestamp() >= nextBacklog)
                {
                    metrics.RecordBacklog(await stream.LengthAsync());
                    nextBacklog = Stopwatch.GetTimestamp() + (long)(BacklogInterval.TotalSeconds * Stopwatch.Frequency);
                }

                failing = false;
                (delay, idleDelay) = drained switch
                {
                    _ when drained >= _batchSize => (TimeSpan.Zero, TimeSpan.FromMilliseconds(_options.PollDelayMs)),
                    > 0 => (TimeSpan.FromMilliseconds(_options.PollDelayMs), TimeSpan.FromMilliseconds(_options.PollDelayMs)),
                    _ => (idleDelay, TimeSpan.FromMilliseconds(Math.Min(idleDelay.TotalMilliseconds * 2, _options.IdlePollDelayMs))),
                };
            }
            catch (Exception e)
            {
                // Redis may have lost the group with its data, so it is created again; what this consumer read and did not
                // acknowledge is read again first (its commit failed, or its answer was lost). Nothing here may stop the
                // API: an unexpected error is logged and the step tried again.
                groupReady = groupReady && e is UsageStoreUnavailableException;
                ownPending = true;
                delay = TimeSpan.FromMilliseconds(_options.RetryDelayMs);
                if (e is not (RedisException or TimeoutException or UsageStoreUnavailableException))
                {
                    logger.LogError(e, "Draining the usage stream failed unexpectedly; trying again in {Delay} ms", _options.RetryDelayMs);
                }
                else if (!failing)
                {
                    logger.LogWarning(e, "Draining the usage stream failed; trying again every {Delay} ms", _options.RetryDelayMs);
                }

                failing = true;
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
