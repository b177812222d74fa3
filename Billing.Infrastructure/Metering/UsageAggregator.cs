using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data.Configurations;
using Billing.Infrastructure.Tenancy;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Folds raw events into per-minute aggregates exactly once: one statement claims unmarked events
/// (<c>FOR UPDATE SKIP LOCKED</c>, so concurrent runs never take the same rows), marks them and
/// upserts their windows. It commits or rolls back as a whole, so a crash at any point leaves every
/// event either unmarked and unaggregated, or marked and aggregated. No id watermark is used: identities
/// become visible in commit order, not in id order, and a watermark would skip rows. Every window it changes
/// is flagged for submission, so the submission step finds the buckets to (re)submit without scanning history.
/// When the statement fails because of what some events hold (a window's total past
/// <see cref="UsageEventRules.MaxPeriodTotal"/>, a number out of range), the batch is folded again in halves, each
/// under a savepoint, down to the single events that fail: those are set aside with the reason, and everyone else's
/// events are aggregated in the same run instead of the one batch failing for every tenant on every run.
/// </summary>
public static class UsageAggregator
{
    // {claimed}: the ids to fold, either the next unmarked batch or the ids of a batch being isolated.
    private const string FoldSql = """
        WITH claimed AS (
            {claimed}
        ), marked AS (
            UPDATE usage_events e SET aggregated_at = now() FROM claimed c WHERE e.id = c.id
            RETURNING e.id, e.tenant_id, e.metric, e.value, e.occurred_at, e.trace_parent
        ), windows AS (
            SELECT tenant_id, metric, date_trunc('minute', occurred_at) AS window_start,
                   CASE WHEN metric = ANY(@sum) THEN sum(value)
                        WHEN metric = ANY(@max) THEN max(value)
                        ELSE (array_agg(value ORDER BY occurred_at DESC, id DESC))[1] END AS value,
                   count(*)::int AS event_count, max(occurred_at) AS last_event_at,
                   (array_agg(id ORDER BY occurred_at DESC, id DESC))[1] AS last_event_id,
                   (array_agg(trace_parent ORDER BY id DESC) FILTER (WHERE trace_parent IS NOT NULL))[1] AS trace_parent
            FROM marked GROUP BY tenant_id, metric, date_trunc('minute', occurred_at)
        ), upserted AS (
            INSERT INTO usage_aggregates (tenant_id, metric, window_start, value, event_count, last_event_at, last_event_id, submission_pending, trace_parent, updated_at)
            SELECT tenant_id, metric, window_start, value, event_count, last_event_at, last_event_id, true, trace_parent, now() FROM windows
            ON CONFLICT (tenant_id, metric, window_start) DO UPDATE SET
                value = CASE WHEN excluded.metric = ANY(@sum) THEN usage_aggregates.value + excluded.value
                             WHEN excluded.metric = ANY(@max) THEN GREATEST(usage_aggregates.value, excluded.value)
                             WHEN (excluded.last_event_at, excluded.last_event_id) > (usage_aggregates.last_event_at, usage_aggregates.last_event_id) THEN excluded.value
                             ELSE usage_aggregates.value END,
                event_count = usage_aggregates.event_count + excluded.event_count,
                last_event_id = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (usage_aggregates.last_event_at, usage_aggregates.last_event_id)
                                     THEN excluded.last_event_id ELSE usage_aggregates.last_event_id END,
                last_event_at = GREATEST(usage_aggregates.last_event_at, excluded.last_event_at),
                submission_pending = true,
                trace_parent = COALESCE(excluded.trace_parent, usage_aggregates.trace_parent),
                updated_at = now()
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM upserted),
               ARRAY(SELECT DISTINCT trace_parent FROM windows WHERE trace_parent IS NOT NULL LIMIT @traces)
        """;

    // Only the lane's tenants (TenantLane); with one lane, every tenant. A tenant's minutes and hours are then folded
    // by one transaction at a time, whatever the number of concurrent runs: two folds upserting the same windows in
    // different orders could deadlock.
    private const string ClaimSql = """
        SELECT id FROM usage_events
        WHERE aggregated_at IS NULL AND set_aside_at IS NULL AND {lane}
        ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED
        """;

    private static readonly string LaneClaimSql = ClaimSql.Replace("{lane}", TenantLane.Sql("tenant_id"), StringComparison.Ordinal);

    private static readonly string BatchSql = FoldSql.Replace("{claimed}", LaneClaimSql, StringComparison.Ordinal);

    // The ids are locked already, by the claim of the transaction isolating them.
    private static readonly string IdsSql = FoldSql.Replace("{claimed}", "SELECT unnest(@ids) AS id", StringComparison.Ordinal);

    private const string SetAsideSql = "UPDATE usage_events SET set_aside_at = now(), set_aside_reason = @reason WHERE id = @id";

    private const string LagSql =
        "SELECT extract(epoch FROM now() - min(received_at))::float8 FROM usage_events WHERE aggregated_at IS NULL AND set_aside_at IS NULL";

    /// <summary>How many traces a run reports: enough to follow a sample of events, bounded for large batches.</summary>
    public const int MaxTraces = 32;

    /// <param name="TraceParents">Trace parents of (up to <see cref="MaxTraces"/>) ingesting requests whose events were folded in.</param>
    /// <param name="SetAside">Events of the batch that cannot be aggregated and were set aside (with their reason).</param>
    public sealed record Result(long Events, long Windows, IReadOnlyList<string> TraceParents, long SetAside = 0)
    {
        /// <summary>Every event the run took out of the unaggregated ones: a full batch means more may wait.</summary>
        public long Claimed => Events + SetAside;

        public Result Add(Result other) =>
            new(Events + other.Events, Windows + other.Windows, [.. TraceParents.Union(other.TraceParents).Take(MaxTraces)], SetAside + other.SetAside);
    }

    /// <summary>
    /// Aggregates up to <paramref name="batchSize"/> unmarked events of the <paramref name="lane"/>'s tenants (all tenants
    /// by default); call again while <see cref="Result.Claimed"/> is a full batch.
    /// </summary>
    public static async Task<Result> RunBatchAsync(NpgsqlConnection connection, int batchSize, CancellationToken cancellationToken, TenantLane? lane = null)
    {
        var of = lane ?? TenantLane.All;
        try
        {
            return await FoldAsync(connection, null, BatchSql, command => BindClaim(command, batchSize, of), cancellationToken);
        }
        catch (PostgresException e) when (FailsOnItsRows(e))
        {
            return await IsolateAsync(connection, batchSize, of, cancellationToken);
        }
    }

    private static void BindClaim(NpgsqlCommand command, int batchSize, TenantLane lane)
    {
        command.Parameters.AddWithValue("batch", batchSize);
        lane.Bind(command);
    }

    /// <summary>
    /// Whether a failed fold failed because of the events it carried, so that folding them again fails again: a number
    /// out of range (class 22), a window past its limit (the check constraint), a program limit (class 54). Anything
    /// else (a lost connection, a deadlock, another constraint) fails the run as before, and the next one tries again.
    /// </summary>
    private static bool FailsOnItsRows(PostgresException e) =>
        e.SqlState.StartsWith("22", StringComparison.Ordinal)
        || e.SqlState.StartsWith("54", StringComparison.Ordinal)
        || (e.SqlState == PostgresErrorCodes.CheckViolation && e.ConstraintName == UsageAggregateConfiguration.ValueWithinPeriodTotal);

    private static async Task<Result> FoldAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        bind(command);
        command.Parameters.AddWithValue("traces", MaxTraces);
        command.Parameters.AddWithValue("sum", MetricSql.KeysWith(MetricAggregation.Sum));
        command.Parameters.AddWithValue("max", MetricSql.KeysWith(MetricAggregation.Max));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Result(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<string[]>(2));
    }

    /// <summary>Claims a batch in one transaction and folds it in halves until the events that fail stand alone; sets those aside.</summary>
    private static async Task<Result> IsolateAsync(NpgsqlConnection connection, int batchSize, TenantLane lane, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = new List<long>(batchSize);
        await using (var claim = new NpgsqlCommand(LaneClaimSql, connection, transaction))
        {
            BindClaim(claim, batchSize, lane);
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        var result = await FoldOrSplitAsync(connection, transaction, [.. ids], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private static async Task<Result> FoldOrSplitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] ids, CancellationToken cancellationToken)
    {
        const string Savepoint = "fold";
        await transaction.SaveAsync(Savepoint, cancellationToken);
        try
        {
            var folded = await FoldAsync(connection, transaction, IdsSql, command => command.Parameters.AddWithValue("ids", ids), cancellationToken);
            await transaction.ReleaseAsync(Savepoint, cancellationToken);
            return folded;
        }
        catch (PostgresException e) when (FailsOnItsRows(e))
        {
            await transaction.RollbackAsync(Savepoint, cancellationToken);
            await transaction.ReleaseAsync(Savepoint, cancellationToken);
            if (ids.Length == 1)
            {
                await SetAsideAsync(connection, transaction, ids[0], Reason(e), cancellationToken);
                return new Result(0, 0, [], SetAside: 1);
            }
        }

        var half = ids.Length / 2;
        var first = await FoldOrSplitAsync(connection, transaction, ids[..half], cancellationToken);
        return first.Add(await FoldOrSplitAsync(connection, transaction, ids[half..], cancellationToken));
    }

    private static async Task SetAsideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, string reason, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SetAsideSql, connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("reason", reason.Length <= UsageEventColumns.SetAsideReasonMaxLength ? reason : reason[..UsageEventColumns.SetAsideReasonMaxLength]);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Reason(PostgresException e) => e switch
    {
        { SqlState: PostgresErrorCodes.CheckViolation } =>
            $"Aggregating it would take its one-minute window past {UsageEventRules.MaxPeriodTotal:N0}, the most a billing period may hold.",
        { SqlState: PostgresErrorCodes.NumericValueOutOfRange } =>
            $"Aggregating it overflows its one-minute window's total ({e.MessageText}).",
        _ => $"PostgreSQL refuses to aggregate it ({e.SqlState}: {e.MessageText}).",
    };

    /// <summary>Age of the oldest event not yet aggregated; zero when all are.</summary>
    public static async Task<TimeSpan> LagAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(LagSql, connection);
        return await command.ExecuteScalarAsync(cancellationToken) is double seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
    }
}
