using Billing.Domain.Catalog;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Folds raw events into per-minute aggregates exactly once: one statement claims unmarked events
/// (<c>FOR UPDATE SKIP LOCKED</c>, so concurrent runs never take the same rows), marks them and
/// upserts their windows. It commits or rolls back as a whole, so a crash at any point leaves every
/// event either unmarked and unaggregated, or marked and aggregated. No id watermark is used: identities
/// become visible in commit order, not in id order, and a watermark would skip rows. Every window it changes
/// is flagged for submission, so the submission step finds the buckets to (re)submit without scanning history.
/// </summary>
public static class UsageAggregator
{
    private const string Sql = """
        WITH claimed AS (
            SELECT id FROM usage_events WHERE aggregated_at IS NULL ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED
        ), marked AS (
            UPDATE usage_events e SET aggregated_at = now() FROM claimed c WHERE e.id = c.id
            RETURNING e.id, e.tenant_id, e.metric, e.value, e.occurred_at, e.trace_parent
        ), windows AS (
            SELECT tenant_id, metric, date_trunc('minute', occurred_at) AS window_start,
                   CASE WHEN metric = ANY(@sum) THEN sum(value)
                        WHEN metric = ANY(@max) THEN max(value)
                        ELSE (array_agg(value ORDER BY occurred_at DESC, id DESC))[1] END AS value,
                   count(*)::int AS event_count, max(occurred_at) AS last_event_at,
                   (array_agg(trace_parent ORDER BY id DESC) FILTER (WHERE trace_parent IS NOT NULL))[1] AS trace_parent
            FROM marked GROUP BY tenant_id, metric, date_trunc('minute', occurred_at)
        ), upserted AS (
            INSERT INTO usage_aggregates (tenant_id, metric, window_start, value, event_count, last_event_at, submission_pending, trace_parent, updated_at)
            SELECT tenant_id, metric, window_start, value, event_count, last_event_at, true, trace_parent, now() FROM windows
            ON CONFLICT (tenant_id, metric, window_start) DO UPDATE SET
                value = CASE WHEN excluded.metric = ANY(@sum) THEN usage_aggregates.value + excluded.value
                             WHEN excluded.metric = ANY(@max) THEN GREATEST(usage_aggregates.value, excluded.value)
                             WHEN excluded.last_event_at >= usage_aggregates.last_event_at THEN excluded.value
                             ELSE usage_aggregates.value END,
                event_count = usage_aggregates.event_count + excluded.event_count,
                last_event_at = GREATEST(usage_aggregates.last_event_at, excluded.last_event_at),
                submission_pending = true,
                trace_parent = COALESCE(excluded.trace_parent, usage_aggregates.trace_parent),
                updated_at = now()
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM upserted),
               ARRAY(SELECT DISTINCT trace_parent FROM windows WHERE trace_parent IS NOT NULL LIMIT @traces)
        """;

    private const string LagSql = "SELECT extract(epoch FROM now() - min(received_at))::float8 FROM usage_events WHERE aggregated_at IS NULL";

    /// <summary>How many traces a run reports: enough to follow a sample of events, bounded for large batches.</summary>
    public const int MaxTraces = 32;

    /// <param name="TraceParents">Trace parents of (up to <see cref="MaxTraces"/>) ingesting requests whose events were folded in.</param>
    public sealed record Result(long Events, long Windows, IReadOnlyList<string> TraceParents);

    /// <summary>Aggregates up to <paramref name="batchSize"/> unmarked events; call again while it returns a full batch.</summary>
    public static async Task<Result> RunBatchAsync(NpgsqlConnection connection, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("batch", batchSize);
        command.Parameters.AddWithValue("traces", MaxTraces);
        command.Parameters.AddWithValue("sum", MetricSql.KeysWith(MetricAggregation.Sum));
        command.Parameters.AddWithValue("max", MetricSql.KeysWith(MetricAggregation.Max));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Result(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<string[]>(2));
    }

    /// <summary>Age of the oldest event not yet aggregated; zero when all are.</summary>
    public static async Task<TimeSpan> LagAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(LagSql, connection);
        return await command.ExecuteScalarAsync(cancellationToken) is double seconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
    }
}
