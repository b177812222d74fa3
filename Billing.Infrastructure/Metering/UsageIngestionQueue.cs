using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Group commit for usage events: concurrent requests are gathered for a short, bounded window (or
/// until a group is full), written in one statement, and each request is answered only after its
/// group committed and the hot counters were advanced. Throughput then scales with the group size
/// instead of collapsing to one transaction per event.
/// </summary>
public sealed class UsageIngestionQueue(
    IngestionDataSource ingestion,
    NpgsqlDataSource dataSource,
    UsageCounters counters,
    IngestionMetrics metrics,
    IOptions<IngestionOptions> options,
    ILogger<UsageIngestionQueue> logger) : BackgroundService
{
    private readonly IngestionOptions _options = options.Value;
    private readonly Channel<PendingRequest> _queue = Channel.CreateBounded<PendingRequest>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Stores the events (durably, deduplicated) and reports accepted and duplicate counts.</summary>
    /// <exception cref="ArgumentException">An event does not fit <c>usage_events</c> (callers validate first); nothing was queued.</exception>
    /// <exception cref="UsageEventsRefusedException">PostgreSQL refused what the events hold; nothing was stored, and a retry fails again.</exception>
    /// <exception cref="UsageStoreUnavailableException">The events could not be stored now; nothing was stored, and a retry may pass.</exception>
    public async Task<IngestionResult> SubmitAsync(IReadOnlyList<NewUsageEvent> events, CancellationToken cancellationToken)
    {
        // Refused here, an event that cannot be stored fails its own request instead of its whole group.
        if (events.Select(UsageEventColumns.Problem).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new ArgumentException(problem, nameof(events));
        }

        // A trace id is telemetry: one too long for its column is dropped rather than failing the events.
        var request = new PendingRequest([.. events.Select(e => e.TraceParent?.Length > UsageEventColumns.TraceParentMaxLength ? e with { TraceParent = null } : e)]);
        try
        {
            await _queue.Writer.WriteAsync(request, cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new UsageStoreUnavailableException(e);
        }

        // Once queued the events may commit even if the client goes away; its retry is then a duplicate.
        return await request.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// <see cref="SubmitAsync"/> for work already done (metered requests' usage): one retry, since the ids make a retry
    /// after a commit that failed (or whose answer was lost) count the events once, and no cancellation, since a client
    /// going away must not lose the record of what it consumed.
    /// </summary>
    /// <exception cref="UsageStoreUnavailableException">Both attempts failed.</exception>
    public async Task<IngestionResult> SubmitWithRetryAsync(IReadOnlyList<NewUsageEvent> events)
    {
        try
        {
            return await SubmitAsync(events, CancellationToken.None);
        }
        catch (UsageStoreUnavailableException e)
        {
            logger.LogWarning(e, "Committing {Count} metered usage events failed; trying once more", events.Count);
            return await SubmitAsync(events, CancellationToken.None);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.Writers)).Select(_ => WriteGroupsAsync(stoppingToken)));
        }
        finally
        {
            // No writer is left to commit what still waits: it is refused now (nothing of it was stored, so its client's
            // retry is safe) instead of hanging until the client gives up, and so is anything submitted from now on.
            _queue.Writer.TryComplete();
            var stopped = new UsageStoreUnavailableException(new OperationCanceledException("The usage ingestion queue has stopped."));
            while (_queue.Reader.TryRead(out var request))
            {
                request.Completion.TrySetException(stopped);
            }
        }
    }

    private async Task WriteGroupsAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        // A writer runs two steps at once: while one group's counters are advanced and its requests answered, the next
        // group is gathered and inserted. At most one group per writer waits to be settled, and groups are settled in order.
        var settling = Task.CompletedTask;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var group = await GatherAsync(reader, stoppingToken);
                if (group.Count > 0)
                {
                    var settled = await CommitAsync(group, stoppingToken);
                    await settling;
                    settling = settled;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: requests still queued fail and their clients retry.
        }
        finally
        {
            await settling;
        }
    }

    private async Task<List<PendingRequest>> GatherAsync(ChannelReader<PendingRequest> reader, CancellationToken stoppingToken)
    {
        var group = new List<PendingRequest>();
        var events = 0;
        // The window runs from the first request's arrival, not from when this writer got free: under load the first
        // requests already waited out a whole insert of the group before, and waiting again only added to their latency.
        var window = (long)(_options.GroupCommitWindowMs * Stopwatch.Frequency / 1000.0);
        var deadline = 0L;
        while (events < _options.MaxEventsPerGroup)
        {
            if (reader.TryRead(out var request))
            {
                if (group.Count == 0)
                {
                    deadline = request.QueuedAt + window;
                }

                group.Add(request);
                events += request.Events.Count;
                continue;
            }

            var remaining = group.Count == 0 ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (group.Count > 0 && (remaining <= TimeSpan.Zero || events >= _options.CommitWithoutWaitEvents))
            {
                break;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(remaining);

            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        return group;
    }

    /// <summary>
    /// Commits a group. If PostgreSQL refuses the statement (one request's row it cannot store), each request is
    /// committed on its own, so only the request that carried the row fails, and as a client error; when the database is
    /// unreachable there is nothing to isolate and every request of the group fails, as retryable.
    /// </summary>
    /// <returns>The settling of the group (its counters advanced, its requests answered), started and not yet awaited.</returns>
    private async Task<Task> CommitAsync(List<PendingRequest> group, CancellationToken stoppingToken)
    {
        var (failure, settle) = await TryCommitAsync(group, stoppingToken);
        if (failure is PostgresException && group.Count > 1)
        {
            logger.LogWarning(failure, "PostgreSQL refused a group of {Requests} requests; committing them one by one", group.Count);
            foreach (var request in group)
            {
                var (alone, settleAlone) = await TryCommitAsync([request], stoppingToken);
                Fail([request], alone);
                await settleAlone();
            }

            return Task.CompletedTask;
        }

        Fail(group, failure);
        return settle();
    }

    private void Fail(List<PendingRequest> requests, Exception? failure)
    {
        if (failure is null)
        {
            return;
        }

        // Alone, a request refused for what it holds is the client's error: answered as retryable, a client that retries as
        // it should would send the same rows forever.
        if (requests.Count == 1 && failure is PostgresException refused && PostgresFailures.IsCausedByData(refused))
        {
            logger.LogWarning(failure, "PostgreSQL refused the usage events of a request; it is answered as a client error");
            requests[0].Completion.TrySetException(new UsageEventsRefusedException(refused));
            return;
        }

        logger.LogError(failure, "Writing the usage events of {Requests} request(s) failed; they get an error and may retry", requests.Count);
        foreach (var request in requests)
        {
            request.Completion.TrySetException(new UsageStoreUnavailableException(failure));
        }
    }

    /// <summary>
    /// Writes the requests' events in one statement; returns the error when the write fails, and how to settle the group
    /// once it succeeded: advance the counters, then answer the requests (so an answered client reads its own usage).
    /// </summary>
    private async Task<(Exception? Failure, Func<Task> Settle)> TryCommitAsync(List<PendingRequest> group, CancellationToken stoppingToken)
    {
        // An id repeated inside one group is a duplicate of its first occurrence; the database settles the rest.
        // Aggregation continues one trace per window from any of its events, so one trace parent per tenant and metric
        // in a group keeps the trace whole; every further copy only widened its row by some 55 bytes, which with one
        // event per request (single-event POSTs, metered requests) made the insert measurably slower.
        var seen = new HashSet<(Guid, string)>();
        var traced = new HashSet<(Guid, string)>();
        var distinct = new List<NewUsageEvent>();
        foreach (var e in group.SelectMany(r => r.Events))
        {
            if (seen.Add((e.TenantId, e.EventId)))
            {
                distinct.Add(e.TraceParent is not null && !traced.Add((e.TenantId, e.Metric)) ? e with { TraceParent = null } : e);
            }
        }

        // Concurrent writers take the unique index's row locks in one global order, so two groups carrying the same
        // ids cannot deadlock; a deadlock or serialization failure that still happens rolled the statement back whole,
        // so it is simply tried again.
        distinct.Sort(static (a, b) => a.TenantId != b.TenantId ? a.TenantId.CompareTo(b.TenantId) : string.CompareOrdinal(a.EventId, b.EventId));
        InsertedEvents inserted;
        var started = Stopwatch.GetTimestamp();
        try
        {
            inserted = await InsertWithRetryAsync(distinct, stoppingToken);
        }
        catch (Exception e)
        {
            return (e, static () => Task.CompletedTask);
        }

        metrics.RecordGroup(distinct.Count, Stopwatch.GetElapsedTime(started));
        return (null, () => SettleAsync(group, distinct, inserted));
    }

    private async Task SettleAsync(List<PendingRequest> group, List<NewUsageEvent> distinct, InsertedEvents inserted)
    {
        try
        {
            await counters.AdvanceAsync(distinct.Where(e => !e.Precounted && inserted.Contains((e.TenantId, e.EventId))));
        }
        catch (Exception e)
        {
            // The events are committed: their requests are answered whatever happened to the counters, which expire
            // and are rebuilt from PostgreSQL (a Redis failure is handled, and the counters dropped, inside AdvanceAsync).
            logger.LogError(e, "Usage counters not advanced after a commit of {Count} events", distinct.Count);
        }


        // Each stored event is credited to the first request in the group that carried it.
        var credited = new HashSet<(Guid, string)>();
        foreach (var request in group)
        {
            var duplicates = new List<string>();
            var accepted = 0;
            foreach (var e in request.Events)
            {
                if (inserted.Contains((e.TenantId, e.EventId)) && credited.Add((e.TenantId, e.EventId)))
                {
                    accepted++;
                }
                else
                {
                    duplicates.Add(e.EventId);
                }
            }

            metrics.RecordOutcome(accepted, duplicates.Count);
            request.Completion.TrySetResult(new IngestionResult(accepted, duplicates.Count, duplicates));
        }
    }

    private async Task<InsertedEvents> InsertWithRetryAsync(List<NewUsageEvent> events, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using (var copying = await ingestion.OpenConnectionAsync(stoppingToken))
                {
                    if (await UsageEventStore.TryCopyAsync(copying, events, stoppingToken) is { } copied)
                    {
                        return copied;
                    }
                }

                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                return await UsageEventStore.InsertByTenantAsync(connection, events, stoppingToken);
            }
            catch (PostgresException e) when (e.IsTransient && attempt < 3)
            {
                logger.LogWarning("Writing {Count} usage events hit {SqlState}; trying again", events.Count, e.SqlState);
            }
        }
    }

    private sealed class PendingRequest(IReadOnlyList<NewUsageEvent> events)
    {
        public IReadOnlyList<NewUsageEvent> Events { get; } = events;
        public long QueuedAt { get; } = Stopwatch.GetTimestamp();
        public TaskCompletionSource<IngestionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
