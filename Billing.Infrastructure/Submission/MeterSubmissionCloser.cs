using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Infrastructure.Submission;

/// <summary>
/// Closes buckets: turns the aggregate windows changed since the last run into pending meter submissions, in
/// one transaction that also clears the windows' flags. What a counter's row carries is the bucket's total
/// minus everything already in the ledger for it, so a late event becomes a further revision with just the
/// difference, and re-running after a crash (or alongside the aggregation) can never submit a unit twice.
/// Runs of a lane of tenants (<see cref="TenantLane"/>) are serialised by an advisory lock: the ledger they read is the
/// ledger they extend, and a tenant's ledger is only ever extended by its lane. Windows of a tenant with a
/// Stripe customer but no billing row stay flagged until the row exists (<see cref="HeldWindows"/>).
/// </summary>
public sealed class MeterSubmissionCloser(
    NpgsqlDataSource dataSource, TenantBillingStore billing, SubmissionMetrics metrics, IOptions<SubmissionOptions> options,
    ILogger<MeterSubmissionCloser> logger)
{
    private const long LockKey = 0x42_696C_6C53_7562; // "BillSub"
    private const int MaxWindowsPerRun = 50_000;

    /// <param name="Held">Windows left flagged because their tenant has a Stripe customer but no billing row (see <see cref="HeldWindows"/>).</param>
    public sealed record Result(int Windows, int Submissions, long Held);

    /// <param name="lane">The tenants whose windows this run closes (all by default); runs of different lanes run at once.</param>
    public async Task<Result> CloseAsync(DateTimeOffset now, CancellationToken cancellationToken, TenantLane? lane = null)
    {
        var of = lane ?? TenantLane.All;
        var cutoff = MeterBuckets.ClosedBefore(now, options.Value.Settle);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey + of.Index);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var windows = await ChangedWindowsAsync(connection, transaction, cutoff, of, cancellationToken);
        var customers = await CustomersAsync(connection, transaction, [.. windows.Select(w => w.TenantId).Distinct()], cancellationToken);
        var rows = new List<MeterSubmission>();
        var unbillable = new List<Window>();
        foreach (var tenant in windows.Where(w => customers.Contains(w.TenantId)).GroupBy(w => w.TenantId))
        {
            if (await billing.GetAsync(tenant.Key, cancellationToken) is not { } tenantBilling)
            {
                // Its subscription row went between the query and here, or names no plan: left flagged for a later run.
                unbillable.AddRange(tenant);
                continue;
            }

            foreach (var metric in tenant.GroupBy(w => w.Metric))
            {
                if (!MetricKeys.TryParse(metric.Key, out var parsed))
                {
                    continue;
                }

                var batch = Metrics.Get(parsed).Aggregation == MetricAggregation.Sum
                    ? await CounterRowsAsync(connection, transaction, tenantBilling, metric.Key, [.. metric], now, cancellationToken)
                    : await GaugeRowsAsync(connection, transaction, tenantBilling, Metrics.Get(parsed).Aggregation, metric.Key, [.. metric], cutoff, now, cancellationToken);
                rows.AddRange(batch);
            }
        }

        var closed = windows.Except(unbillable).ToList();
        await InsertAsync(connection, transaction, rows, cancellationToken);
        await ClearAsync(connection, transaction, closed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (closed.Count > 0)
        {
            logger.LogInformation("Closed {Windows} changed windows before {Cutoff:O} into {Submissions} meter submissions", closed.Count, cutoff, rows.Count);
        }

        var held = await ReportHeldAsync(connection, cutoff, unbillable, cancellationToken);
        return new Result(closed.Count, rows.Count, held);
    }

    /// <summary>Says which tenants' usage waits for a billing row: a warning, and the <c>billing.submission.held_windows</c> gauge.</summary>
    private async Task<long> ReportHeldAsync(NpgsqlConnection connection, DateTimeOffset cutoff, List<Window> unbillable, CancellationToken cancellationToken)
    {
        var tenants = await HeldWindows.ReadAsync(connection, cutoff, cancellationToken);
        var tenantIds = tenants.Select(t => t.TenantId).ToList();
        // A tenant whose row went during the run is in both; its windows are counted once.
        var unbillableOnly = unbillable.Where(w => !tenantIds.Contains(w.TenantId)).ToList();
        var held = tenants.Sum(t => t.Windows) + unbillableOnly.Count;
        tenantIds.AddRange(unbillableOnly.Select(w => w.TenantId).Distinct());
        metrics.Held(held, tenantIds.Count);
        if (held > 0)
        {
            logger.LogWarning(
                "{Windows} closed windows of {Tenants} tenants are held, not submitted: the tenant has a Stripe customer but no billing (subscription) row; they are submitted once it exists. Tenants: {TenantIds}",
                held, tenantIds.Count, string.Join(", ", tenantIds.Take(20)));
        }

        return held;
    }

    private sealed record Window(Guid TenantId, string Metric, DateTimeOffset Start, string? TraceParent);

    private static async Task<List<Window>> ChangedWindowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset cutoff, TenantLane lane, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT tenant_id, metric, window_start, trace_parent FROM usage_aggregates a
            WHERE submission_pending AND window_start < @cutoff AND NOT {HeldWindows.BillingRowMissingSql} AND {TenantLane.Sql("a.tenant_id")}
            ORDER BY tenant_id, metric, window_start LIMIT @limit FOR UPDATE OF a
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("cutoff", cutoff.UtcDateTime);
        command.Parameters.AddWithValue("limit", MaxWindowsPerRun);
        lane.Bind(command);
        var windows = new List<Window>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            windows.Add(new Window(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return windows;
    }

    /// <summary>Tenants with a Stripe customer. Others (Free tenants) are not billed by Stripe: their windows are only cleared.</summary>
    private static async Task<HashSet<Guid>> CustomersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] tenants, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id FROM tenants WHERE id = ANY(@ids) AND stripe_customer_id IS NOT NULL", connection, transaction);
        command.Parameters.AddWithValue("ids", tenants);
        var customers = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            customers.Add(reader.GetGuid(0));
        }

        return customers;
    }

    /// <summary>One row per bucket part whose usage exceeds what the ledger already holds for it.</summary>
    private static async Task<List<MeterSubmission>> CounterRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TenantBilling tenant, string metric, IReadOnlyList<Window> windows,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = new List<MeterSubmission>();
        foreach (var bucket in windows.GroupBy(w => MeterBuckets.Floor(w.Start)))
        {
            var period = tenant.PeriodAt(bucket.Key);
            var parts = MeterBuckets.Split(bucket.Key, [tenant.Anchor, period.Start, period.End]);
            var trace = bucket.Select(w => w.TraceParent).LastOrDefault(t => t is not null);
            foreach (var part in parts)
            {
                // A whole bucket is summed from its windows; a part cut at a period boundary needs the events' own times.
                var total = parts.Count == 1
                    ? await ScalarAsync(connection, transaction, "SELECT coalesce(sum(value), 0)::bigint FROM usage_aggregates WHERE tenant_id = @tenant AND metric = @metric AND window_start >= @start AND window_start < @end", tenant.TenantId, metric, part.Start, part.End, cancellationToken)
                    : await ScalarAsync(connection, transaction, "SELECT coalesce(sum(value), 0)::bigint FROM usage_events WHERE tenant_id = @tenant AND metric = @metric AND occurred_at >= @start AND occurred_at < @end AND aggregated_at IS NOT NULL", tenant.TenantId, metric, part.Start, part.End, cancellationToken);
                var (submitted, revision) = await LedgerAsync(connection, transaction, tenant.TenantId, metric, part.Start, cancellationToken);
                if (total > submitted)
                {
                    rows.Add(Row(tenant.TenantId, metric, part.Start, revision + 1, part.Timestamp, total - submitted, trace, now));
                }
            }
        }

        return rows;
    }

    /// <summary>For each period a changed window falls in, the period's value, when it differs from the last one submitted.</summary>
    private static async Task<List<MeterSubmission>> GaugeRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TenantBilling tenant, MetricAggregation aggregation, string metric,
        IReadOnlyList<Window> windows, DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = new List<MeterSubmission>();
        foreach (var period in windows.GroupBy(w => tenant.PeriodAt(w.Start)))
        {
            var end = period.Key.End < cutoff ? period.Key.End : cutoff;
            var current = await RangeValueQuery.ReadAsync(connection, transaction, tenant.TenantId, metric, period.Key.Start, end, aggregatedOnly: true, cancellationToken);
            if (current is not { Value: { } value, LatestAt: { } latestAt })
            {
                continue;
            }

            var previous = await LastSubmittedAsync(connection, transaction, tenant.TenantId, metric, period.Key, cancellationToken);
            if (previous?.Value == value)
            {
                continue;
            }

            var stamp = MeterBuckets.GaugeTimestamp(period.Key, latestAt, previous?.Timestamp);
            rows.Add(Row(tenant.TenantId, metric, stamp, 0, stamp, value, period.Select(w => w.TraceParent).LastOrDefault(t => t is not null), now));
        }

        return rows;
    }

    private static MeterSubmission Row(Guid tenantId, string metric, DateTimeOffset partStart, int revision, DateTimeOffset timestamp, long value, string? trace, DateTimeOffset now) => new()
    {
        TenantId = tenantId,
        Metric = metric,
        BucketStart = partStart,
        Revision = revision,
        EventTimestamp = timestamp,
        Identifier = MeterBuckets.Identifier(tenantId, metric, partStart, revision),
        Value = value,
        Status = SubmissionStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
        TraceParent = trace,
    };

    private static async Task<long> ScalarAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, Guid tenantId, string metric, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metric", metric);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<(long Submitted, int Revision)> LedgerAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string metric, DateTimeOffset partStart, CancellationToken cancellationToken)
    {
        const string sql = "SELECT coalesce(sum(value), 0)::bigint, coalesce(max(revision), -1) FROM meter_submissions WHERE tenant_id = @tenant AND metric = @metric AND bucket_start = @start";
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metric", metric);
        command.Parameters.AddWithValue("start", partStart.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt32(1));
    }

    private sealed record Submitted(long Value, DateTimeOffset Timestamp);

    private static async Task<Submitted?> LastSubmittedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string metric, BillingPeriod period, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT value, event_timestamp FROM meter_submissions
            WHERE tenant_id = @tenant AND metric = @metric AND event_timestamp >= @start AND event_timestamp < @end
            ORDER BY event_timestamp DESC LIMIT 1
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metric", metric);
        command.Parameters.AddWithValue("start", period.Start.UtcDateTime);
        command.Parameters.AddWithValue("end", period.End.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Submitted(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<MeterSubmission> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        const string sql = """
            INSERT INTO meter_submissions (tenant_id, metric, bucket_start, revision, event_timestamp, identifier, value, status, attempts, created_at, next_attempt_at, trace_parent)
            SELECT r.tenant_id, r.metric, r.bucket_start, r.revision, r.event_timestamp, r.identifier, r.value, 'pending', 0, @now, @now, r.trace_parent
            FROM unnest(@tenants, @metrics, @starts, @revisions, @stamps, @identifiers, @values, @traces)
                AS r(tenant_id, metric, bucket_start, revision, event_timestamp, identifier, value, trace_parent)
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("now", rows[0].CreatedAt.UtcDateTime);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("tenants", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. rows.Select(r => r.TenantId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("metrics", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(r => r.Metric)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("starts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. rows.Select(r => r.BucketStart.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<int[]>("revisions", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. rows.Select(r => r.Revision)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("stamps", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. rows.Select(r => r.EventTimestamp.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("identifiers", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(r => r.Identifier)] });
        command.Parameters.Add(new NpgsqlParameter<long[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. rows.Select(r => r.Value)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("traces", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(r => r.TraceParent)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ClearAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<Window> windows, CancellationToken cancellationToken)
    {
        if (windows.Count == 0)
        {
            return;
        }

        const string sql = """
            UPDATE usage_aggregates a SET submission_pending = false
            FROM unnest(@tenants, @metrics, @starts) AS w(tenant_id, metric, window_start)
            WHERE a.tenant_id = w.tenant_id AND a.metric = w.metric AND a.window_start = w.window_start
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("tenants", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. windows.Select(w => w.TenantId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("metrics", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. windows.Select(w => w.Metric)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("starts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. windows.Select(w => w.Start.UtcDateTime)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
