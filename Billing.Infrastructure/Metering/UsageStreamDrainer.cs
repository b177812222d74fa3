using System.Diagnostics;
using Billing.Infrastructure.Redis;
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

    /// <summary>Reads up to a batch of a shard (new entries, or this consumer's unacknowledged ones), commits and acknowledges it; returns the entries handled.</summary>
    public async Task<int> DrainAsync(UsageStreamShard shard, string consumer, bool ownPending)
    {
        var entries = await shard.ReadAsync(consumer, ownPending, _batchSize);
        await CommitAsync(shard, entries);
        await shard.AcknowledgeAsync([.. entries.Select(e => e.Id)]);
        return entries.Count;
    }

    /// <summary>Takes over, in every shard, what other consumers left unacknowledged for longer than the claim idle time.</summary>
    public async Task<int> ClaimAsync(string consumer)
    {
        var claimed = 0;
        foreach (var shard in stream.Shards)
        {
            claimed += await ClaimAsync(shard, consumer);
        }

        return claimed;
    }

    /// <summary>Takes over, commits and acknowledges the entries of a shard other consumers left unacknowledged for longer than the claim idle time.</summary>
    public async Task<int> ClaimAsync(UsageStreamShard shard, string consumer)
    {
        var claimed = 0;
        var next = "0-0";
        do
        {
            (var entries, next) = await shard.ClaimAsync(consumer, TimeSpan.FromMilliseconds(_options.ClaimIdleMs), next, _batchSize);
            if (entries.Count > 0)
            {
                logger.LogInformation("Took over {Count} entries of usage stream {Key} left unacknowledged by a consumer presumed dead", entries.Count, shard.Key);
                await CommitAsync(shard, entries);
                await shard.AcknowledgeAsync([.. entries.Select(e => e.Id)]);
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
    public async Task CommitAsync(UsageStreamShard shard, IReadOnlyList<UsageStreamEntry> entries)
    {
        foreach (var entry in entries.Where(e => e.Problem is not null))
        {
            logger.LogError("Usage stream entry {Id} cannot be committed and is set aside in {Key}: {Problem}", entry.Id, shard.SetAsideKey, entry.Problem);
            await shard.SetAsideAsync(entry);
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
                    logger.LogError(alone, "Usage stream entry {Id} is refused by PostgreSQL and set aside in {Key}", entry.Id, shard.SetAsideKey);
                    await shard.SetAsideAsync(entry with { Problem = alone.Message });
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

        // Each shard is drained on its own: one whose primary is failing over waits for its retry (RetryDelayMs) while the
        // others go on.
        var shards = stream.Shards;
        var groupReady = new bool[shards.Count];
        var ownPending = Enumerable.Repeat(true, shards.Count).ToArray();
        var failing = new bool[shards.Count];
        var retryAt = new long[shards.Count];
        var idleDelay = TimeSpan.FromMilliseconds(_options.PollDelayMs);
        long nextClaim = 0, nextBacklog = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var drained = 0;
            var full = false;
            var claiming = Stopwatch.GetTimestamp() >= nextClaim;
            for (var i = 0; i < shards.Count; i++)
            {
                if (Stopwatch.GetTimestamp() < retryAt[i])
                {
                    continue;
                }

                try
                {
                    if (!groupReady[i])
                    {
                        await shards[i].EnsureGroupAsync();
                        groupReady[i] = true;
                    }

                    var read = await DrainAsync(shards[i], Consumer, ownPending[i]);
                    // This consumer's own pending entries come first (after a failed commit), until none is left.
                    ownPending[i] = ownPending[i] && read == _batchSize;
                    full |= read >= _batchSize;
                    drained += read;
                    if (claiming)
                    {
                        drained += await ClaimAsync(shards[i], Consumer);
                        await shards[i].ForgetIdleConsumersAsync(Consumer, ForgetConsumersAfter);
                    }

                    failing[i] = false;
                }
                catch (Exception e)
                {
                    // Redis may have lost the group with its data (a restart without its file, a failover to a replica
                    // that had not received it), so it is created again; what this consumer read and did not acknowledge
                    // is read again first (its commit failed, or its answer was lost). Nothing here may stop the API: an
                    // unexpected error is logged and the step tried again.
                    groupReady[i] = groupReady[i] && e is UsageStoreUnavailableException;
                    ownPending[i] = true;
                    retryAt[i] = Stopwatch.GetTimestamp() + (_options.RetryDelayMs * Stopwatch.Frequency / 1000);
                    if (!RedisFailures.IsUnavailable(e) && e is not UsageStoreUnavailableException)
                    {
                        logger.LogError(e, "Draining usage stream {Key} failed unexpectedly; trying again in {Delay} ms", shards[i].Key, _options.RetryDelayMs);
                    }
                    else if (!failing[i])
                    {
                        logger.LogWarning(e, "Draining usage stream {Key} failed; trying again every {Delay} ms", shards[i].Key, _options.RetryDelayMs);
                    }

                    failing[i] = true;
                }
            }

            if (claiming)
            {
                nextClaim = Stopwatch.GetTimestamp() + (_options.ClaimIntervalMs * Stopwatch.Frequency / 1000);
            }

            if (Stopwatch.GetTimestamp() >= nextBacklog)
            {
                try
                {
                    metrics.RecordBacklog(await stream.LengthAsync());
                    nextBacklog = Stopwatch.GetTimestamp() + (long)(BacklogInterval.TotalSeconds * Stopwatch.Frequency);
                }
                catch (Exception e) when (RedisFailures.IsUnavailable(e))
                {
                    // Reported with the next drain's failure; the backlog is recorded once Redis answers.
                }
            }

            TimeSpan delay;
            (delay, idleDelay) = drained switch
            {
                _ when full => (TimeSpan.Zero, TimeSpan.FromMilliseconds(_options.PollDelayMs)),
                > 0 => (TimeSpan.FromMilliseconds(_options.PollDelayMs), TimeSpan.FromMilliseconds(_options.PollDelayMs)),
                _ => (idleDelay, TimeSpan.FromMilliseconds(Math.Min(idleDelay.TotalMilliseconds * 2, _options.IdlePollDelayMs))),
            };

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
