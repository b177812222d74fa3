using System.Diagnostics;
using System.Globalization;
using System.Net;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Stripe;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Stripe;
using Stripe.Billing;
using Stripe.V2.Billing;

namespace Billing.Infrastructure.Submission;

/// <summary>
/// Sends pending meter submissions to Stripe and marks each sent on Stripe's answer. A crash between the call
/// and the mark resends the same <c>identifier</c>, which Stripe counts once for 24 hours; a row whose first
/// attempt is older than that is first looked for in Stripe's meter summary. Only one sender runs at a time per lane of
/// tenants (a session advisory lock), because Stripe allows one concurrent call per customer and meter.
/// A bucket's revisions are sent one at a time, in order: a revision waits while an earlier one of its bucket is
/// pending, so at most one row of a bucket is ever unconfirmed after an attempt, and the summary's difference from the
/// confirmed rows says whether Stripe counted exactly that row.
/// </summary>
public sealed class MeterSubmissionSender(
    NpgsqlDataSource dataSource,
    StripeClient stripe,
    StripeCatalogIds catalogIds,
    MeterSummaries summaries,
    SubmissionMetrics metrics,
    IOptions<SubmissionOptions> options,
    ILogger<MeterSubmissionSender> logger)
{
    private const long LockKey = 0x42_696C_6C53_6E64; // "BillSnd"
    private const int StreamBatch = 100;

    /// <summary>Stripe deduplicates identifiers for at least 24 hours; an hour of margin.</summary>
    public static readonly TimeSpan DedupWindow = TimeSpan.FromHours(23);

    public sealed record Result(int Sent, int Retrying, int Failed, int Skipped, bool UsedStream);

    private sealed record Pending(long Id, Guid TenantId, string Metric, DateTimeOffset BucketStart, DateTimeOffset Timestamp,
        string Identifier, long Value, int Attempts, DateTimeOffset? FirstAttemptAt, string? TraceParent, string? Customer);

    /// <param name="lane">The tenants whose meter events this run sends (all by default); runs of different lanes run at
    /// once, and a tenant (one Stripe customer) is only ever sent for by its lane's run.</param>
    public async Task<Result> SendAsync(DateTimeOffset now, CancellationToken cancellationToken, TenantLane? lane = null)
    {
        var of = lane ?? TenantLane.All;
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await TryLockAsync(lockConnection, LockKey + of.Index, cancellationToken))
        {
            return new Result(0, 0, 0, 0, false);
        }

        try
        {
            return await SendLockedAsync(now, of, cancellationToken);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            unlock.Parameters.AddWithValue("key", LockKey + of.Index);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<Result> SendLockedAsync(DateTimeOffset now, TenantLane lane, CancellationToken cancellationToken)
    {
        var due = await DueAsync(now, lane, cancellationToken);
        var skipped = due.Where(p => p.Customer is null).ToList();
        await MarkAsync(skipped, SubmissionStatus.Skipped, "The tenant has no Stripe customer (Free plan).", now, cancellationToken);

        var tooOld = due.Where(p => p.Customer is not null && p.Timestamp < now - UsageEventRules.MaxAge).ToList();
        await MarkAsync(tooOld, SubmissionStatus.Failed, "Older than the 35 days Stripe accepts meter events for.", now, cancellationToken);
        metrics.Failed(tooOld.Count);

        var sendable = due.Except(skipped).Except(tooOld).ToList();
        var (found, undecidable) = await AlreadyCountedAsync(sendable.Where(p => p.FirstAttemptAt < now - DedupWindow).ToList(), cancellationToken);
        await MarkAsync(found, SubmissionStatus.Sent, null, now, cancellationToken);
        await MarkAsync(undecidable, SubmissionStatus.Failed, UndecidableError, now, cancellationToken);
        metrics.Failed(undecidable.Count);
        sendable = [.. sendable.Except(found).Except(undecidable)];

        var useStream = sendable.Count > options.Value.StreamThreshold;
        var outcome = new Tally();
        outcome.Sent += found.Count;
        outcome.Failed += tooOld.Count + undecidable.Count;
        if (useStream)
        {
            await SendStreamAsync(sendable, now, outcome, cancellationToken);
        }
        else
        {
            foreach (var row in sendable)
            {
                await SendOneAsync(row, now, outcome, cancellationToken);
            }
        }

        return new Result(outcome.Sent, outcome.Retrying, outcome.Failed, skipped.Count, useStream);
    }

    private sealed class Tally
    {
        public int Sent;
        public int Retrying;
        public int Failed;
    }

    private async Task SendOneAsync(Pending row, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        using var activity = StartActivity("meter_event", [row]);
        await RecordAttemptAsync([row], now, cancellationToken);
        try
        {
            await stripe.V1.Billing.MeterEvents.CreateAsync(new global::Stripe.Billing.MeterEventCreateOptions
            {
                EventName = row.Metric,
                Identifier = row.Identifier,
                Timestamp = row.Timestamp.UtcDateTime,
                Payload = Payload(row),
            }, cancellationToken: cancellationToken); // No fixed Idempotency-Key: a resend is deduplicated by the identifier, as Stripe documents for meter events.
            await MarkAsync([row], SubmissionStatus.Sent, null, now, cancellationToken);
            metrics.Succeeded(1, "v1");
            tally.Sent++;
        }
        catch (Exception e) when (IsSendFailure(e, cancellationToken))
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await FailAsync([row], e, now, tally, cancellationToken);
        }
    }

    private async Task SendStreamAsync(List<Pending> rows, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        MeterEventSession? session = null;
        foreach (var chunk in rows.Chunk(StreamBatch))
        {
            using var activity = StartActivity("meter_event_stream", chunk);
            await RecordAttemptAsync(chunk, now, cancellationToken);
            try
            {
                session ??= await stripe.V2.Billing.MeterEventSession.CreateAsync(new MeterEventSessionCreateOptions(), cancellationToken: cancellationToken);
                try
                {
                    await StreamAsync(chunk, session, cancellationToken);
                }
                catch (global::Stripe.V2.TemporarySessionExpiredException)
                {
                    // Tokens last 15 minutes; a long run renews its session once per expiry.
                    session = await stripe.V2.Billing.MeterEventSession.CreateAsync(new MeterEventSessionCreateOptions(), cancellationToken: cancellationToken);
                    await StreamAsync(chunk, session, cancellationToken);
                }

                await MarkAsync(chunk, SubmissionStatus.Sent, null, now, cancellationToken);
                metrics.Succeeded(chunk.Length, "v2");
                tally.Sent += chunk.Length;
            }
            catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.BadRequest)
            {
                // One bad event refuses the whole request: send the chunk one by one so only that event fails.
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                foreach (var row in chunk)
                {
                    await SendOneAsync(row, now, tally, cancellationToken);
                }
            }
            catch (Exception e) when (IsSendFailure(e, cancellationToken))
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                await FailAsync(chunk, e, now, tally, cancellationToken);
            }
        }
    }

    private Task StreamAsync(IEnumerable<Pending> chunk, MeterEventSession session, CancellationToken cancellationToken) =>
        stripe.V2.Billing.MeterEventStream.CreateAsync(new MeterEventStreamCreateOptions
        {
            Events = [.. chunk.Select(row => new MeterEventStreamCreateEventOptions
            {
                EventName = row.Metric,
                Identifier = row.Identifier,
                Timestamp = row.Timestamp.UtcDateTime,
                Payload = Payload(row),
            })],
        }, new RequestOptions { ApiKey = session.AuthenticationToken }, cancellationToken);

    private static Dictionary<string, string> Payload(Pending row) => new()
    {
        ["stripe_customer_id"] = row.Customer!,
        ["value"] = row.Value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Stripe's answers and network failures are recorded on the row; anything else is a bug and stops the run.</summary>
    private static bool IsSendFailure(Exception e, CancellationToken cancellationToken) =>
        e is StripeException or HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Refusals of the request itself are final; rate limits, conflicts, server errors, auth and the network are retried.</summary>
    private static bool IsPermanent(Exception e) =>
        e is StripeException { HttpStatusCode: HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity };

    private async Task FailAsync(IReadOnlyCollection<Pending> rows, Exception e, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        var message = e is StripeException stripeError ? $"{(int)stripeError.HttpStatusCode} {stripeError.StripeError?.Code}: {stripeError.Message}" : e.Message;
        if (IsPermanent(e))
        {
            logger.LogError("Stripe refused {Count} meter events for good: {Error}", rows.Count, message);
            await MarkAsync(rows, SubmissionStatus.Failed, message, now, cancellationToken);
            metrics.Failed(rows.Count);
            tally.Failed += rows.Count;
            return;
        }

        logger.LogWarning("Sending {Count} meter events failed, will retry: {Error}", rows.Count, message);
        await using var command = dataSource.CreateCommand("""
            UPDATE meter_submissions s SET last_error = @error, next_attempt_at = r.next_attempt_at
            FROM unnest(@ids, @next) AS r(id, next_attempt_at) WHERE s.id = r.id
            """);
        command.Parameters.AddWithValue("error", message);
        command.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
        // The row's attempts were counted before the call, so this failure is attempt number Attempts + 1.
        command.Parameters.AddWithValue("next", rows.Select(r => (now + options.Value.RetryDelay(r.Attempts + 1)).UtcDateTime).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
        metrics.Retried(rows.Count);
        tally.Retrying += rows.Count;
    }

    private const string UndecidableError =
        "Unconfirmed past Stripe's 24-hour deduplication, and Stripe's meter summary of its bucket does not tell whether it was counted: check the bucket at Stripe before resending.";

    /// <summary>
    /// Of the counter rows unconfirmed past the dedup window, those Stripe's summary shows as counted, and those it
    /// cannot decide. The rest were not counted and are sent again. A row is counted when the bucket's total at Stripe
    /// exceeds its confirmed rows by exactly the row's value while no other row of the bucket is unconfirmed; anything
    /// else (another unconfirmed row, a difference that is neither nothing nor the row) cannot be told apart from a
    /// resend that Stripe would count twice, so the row is failed for the operator instead of being guessed.
    /// </summary>
    private async Task<(List<Pending> Counted, List<Pending> Undecidable)> AlreadyCountedAsync(List<Pending> stale, CancellationToken cancellationToken)
    {
        if (stale.Count == 0)
        {
            return ([], []);
        }

        var meters = await catalogIds.MetersAsync(cancellationToken);
        var counted = new List<Pending>();
        var undecidable = new List<Pending>();
        foreach (var row in stale)
        {
            // A resent gauge value changes nothing under "last", so only counters need the check.
            if (!MetricKeys.TryParse(row.Metric, out var metric) || Metrics.Get(metric).Aggregation != MetricAggregation.Sum
                || !meters.TryGetValue(row.Metric, out var meterId))
            {
                continue;
            }

            // Stripe counts an event in the bucket of its timestamp (a part cut at a period boundary is stamped after its start).
            var bucket = MeterBuckets.Floor(row.Timestamp);
            var atStripe = await summaries.TotalAsync(meterId, row.Customer!, bucket, bucket + MeterBuckets.Length, cancellationToken);
            var (confirmed, otherUnconfirmed) = await BucketLedgerAsync(row, bucket, cancellationToken);
            var uncounted = atStripe - confirmed;
            if (otherUnconfirmed == 0 && uncounted == row.Value)
            {
                logger.LogInformation("Meter event {Identifier} was counted by Stripe before its confirmation was lost", row.Identifier);
                counted.Add(row);
            }
            else if (otherUnconfirmed > 0 || uncounted != 0)
            {
                logger.LogError(
                    "Meter event {Identifier} is unconfirmed past the dedup window and Stripe's bucket total {AtStripe} does not tell whether it was counted ({Confirmed} confirmed, {Value} in the row, {Others} other unconfirmed rows); failed for the operator",
                    row.Identifier, atStripe, confirmed, row.Value, otherUnconfirmed);
                undecidable.Add(row);
            }
        }

        return (counted, undecidable);
    }

    /// <summary>Σ the bucket's sent rows, and how many of its other rows were attempted without being confirmed.</summary>
    private async Task<(long Confirmed, int OtherUnconfirmed)> BucketLedgerAsync(Pending row, DateTimeOffset bucket, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(sum(value) FILTER (WHERE status = 'sent'), 0)::bigint,
                   count(*) FILTER (WHERE status = 'pending' AND attempts > 0 AND id <> @id)::int
            FROM meter_submissions
            WHERE tenant_id = @tenant AND metric = @metric AND event_timestamp >= @start AND event_timestamp < @end
            """);
        command.Parameters.AddWithValue("id", row.Id);
        command.Parameters.AddWithValue("tenant", row.TenantId);
        command.Parameters.AddWithValue("metric", row.Metric);
        command.Parameters.AddWithValue("start", bucket.UtcDateTime);
        command.Parameters.AddWithValue("end", (bucket + MeterBuckets.Length).UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt32(1));
    }

    private async Task<List<Pending>> DueAsync(DateTimeOffset now, TenantLane lane, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT s.id, s.tenant_id, s.metric, s.bucket_start, s.event_timestamp, s.identifier, s.value, s.attempts, s.first_attempt_at, s.trace_parent, t.stripe_customer_id
            FROM meter_submissions s JOIN tenants t ON t.id = s.tenant_id
            WHERE s.status = 'pending' AND s.next_attempt_at <= @now AND {TenantLane.Sql("s.tenant_id")}
              AND NOT EXISTS (
                  SELECT 1 FROM meter_submissions e
                  WHERE e.tenant_id = s.tenant_id AND e.metric = s.metric AND e.status = 'pending' AND e.id < s.id
                    AND e.event_timestamp >= date_bin('5 minutes', s.event_timestamp, timestamptz '2000-01-01 00:00:00+00')
                    AND e.event_timestamp < date_bin('5 minutes', s.event_timestamp, timestamptz '2000-01-01 00:00:00+00') + interval '5 minutes')
            ORDER BY s.id LIMIT @limit
            """);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("limit", options.Value.MaxEventsPerRun);
        lane.Bind(command);
        var rows = new List<Pending>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Pending(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5), reader.GetInt64(6), reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return rows;
    }

    /// <summary>Counted before the call, so a row's first attempt is known even when the process dies during it.</summary>
    private async Task RecordAttemptAsync(IReadOnlyCollection<Pending> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE meter_submissions SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, @now) WHERE id = ANY(@ids)");
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task MarkAsync(IReadOnlyCollection<Pending> rows, string status, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand("""
            UPDATE meter_submissions SET status = @status, last_error = coalesce(@error, last_error),
                   sent_at = CASE WHEN @status = 'sent' THEN @now ELSE sent_at END, next_attempt_at = NULL
            WHERE id = ANY(@ids)
            """);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Activity? StartActivity(string name, IReadOnlyCollection<Pending> rows)
    {
        // The first row's ingestion trace is the parent; the others are linked, so each ingestion trace reaches its submission.
        var parents = rows.Select(r => r.TraceParent).Where(t => t is not null).Distinct().ToList();
        var parent = parents.Count > 0 && ActivityContext.TryParse(parents[0], null, out var context) ? context : default;
        var links = parents.Skip(1).Select(p => ActivityContext.TryParse(p, null, out var c) ? new ActivityLink(c) : default).Where(l => l.Context != default).ToList();
        var activity = SubmissionMetrics.ActivitySource.StartActivity($"submit {name}", ActivityKind.Client, parent, links: links);
        activity?.SetTag("billing.submission.events", rows.Count);
        return activity;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, long key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", key);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
