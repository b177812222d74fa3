using System.Diagnostics;
using Billing.Infrastructure.Metering;
using Npgsql;

namespace Billing.Bench;

/// <summary>
/// Fills the event store with a tenant's history straight in SQL (<c>generate_series</c>), as if it had been ingested and
/// aggregated: every statement that writes seeded events is in this file, so a change of the store's layout (partitions,
/// a table of ids) is adapted here alone. Aggregated events are inserted already marked, and their minute windows are
/// upserted into <c>usage_aggregates</c> (whose trigger rolls them up into hours) by the same statement with the fold's rules for counters (sum, count, newest
/// event by time then id); only counters are seeded, so no gauge rule is needed. The windows are written as already
/// submitted (<c>submission_pending = false</c>): the benchmark runs no worker, and seeded history is not new work.
/// Event ids are random UUIDs, as most clients send. Each event is received when it occurred, and its id is kept in
/// <c>usage_event_ids</c> only if that is within the default <c>Usage:EventIdRetentionDays</c>, as the worker's expiry
/// leaves the ids of a history in production.
/// </summary>
public static class StoredEventsGenerator
{
    /// <summary>Rows per statement: a statement's events and windows are one transaction; larger ones only use more memory.</summary>
    private const int Chunk = 500_000;

    private const string EventsSql = """
        SELECT @tenant, gen_random_uuid()::text,
               (ARRAY['api_calls', 'llm_tokens', 'agent_executions'])[1 + g % 3],
               CASE g % 3 WHEN 1 THEN 100 + g % 1901 ELSE 1 END,
               @from + (@to - @from) * ((g - @first)::float8 / @count), @from + (@to - @from) * ((g - @first)::float8 / @count), {aggregated_at}
        FROM generate_series(@first, @first + @rows - 1) AS g
        """;

    // The ids the expiry has not removed yet.
    private const string IdsSql = """
        ids AS (
            INSERT INTO usage_event_ids (tenant_id, event_id, received_at)
            SELECT tenant_id, event_id, received_at FROM inserted WHERE received_at >= now() - @retention)
        """;

    private static readonly string AggregatedSql = $"""
        WITH inserted AS (
            INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, received_at, aggregated_at)
            {EventsSql.Replace("{aggregated_at}", "now()", StringComparison.Ordinal)}
            RETURNING id, tenant_id, event_id, metric, value, occurred_at, received_at
        ), {IdsSql}
        INSERT INTO usage_aggregates (tenant_id, metric, window_start, value, event_count, last_event_at, last_event_id, submission_pending, updated_at)
        SELECT tenant_id, metric, date_trunc('minute', occurred_at), sum(value), count(*)::int, max(occurred_at),
               (array_agg(id ORDER BY occurred_at DESC, id DESC))[1], false, now()
        FROM inserted GROUP BY tenant_id, metric, date_trunc('minute', occurred_at)
        ON CONFLICT (tenant_id, metric, window_start) DO UPDATE SET
            value = usage_aggregates.value + excluded.value,
            event_count = usage_aggregates.event_count + excluded.event_count,
            last_event_id = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (usage_aggregates.last_event_at, usage_aggregates.last_event_id)
                                 THEN excluded.last_event_id ELSE usage_aggregates.last_event_id END,
            last_event_at = GREATEST(usage_aggregates.last_event_at, excluded.last_event_at),
            updated_at = now()
        """;

    private static readonly string PendingSql = $"""
        WITH inserted AS (
            INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, received_at, aggregated_at)
            {EventsSql.Replace("{aggregated_at}", "NULL", StringComparison.Ordinal)}
            RETURNING tenant_id, event_id, received_at
        ), {IdsSql}
        SELECT count(*) FROM inserted
        """;

    /// <summary>
    /// Stores <paramref name="count"/> aggregated events of <paramref name="tenantId"/>, spread evenly over
    /// [<paramref name="from"/>, <paramref name="to"/>), then vacuums and analyzes the tables as autovacuum eventually would.
    /// </summary>
    /// <returns>The time the inserts took (the vacuum not included).</returns>
    public static async Task<TimeSpan> SeedAggregatedAsync(string connectionString, Guid tenantId, long count, DateTimeOffset from, DateTimeOffset to)
    {
        var elapsed = await InsertAsync(connectionString, AggregatedSql, tenantId, count, from, to);
        await VacuumAsync(connectionString);
        return elapsed;
    }

    /// <summary>Stores <paramref name="count"/> events not aggregated yet (the aggregation's backlog), spread over the range.</summary>
    public static Task<TimeSpan> SeedPendingAsync(string connectionString, Guid tenantId, long count, DateTimeOffset from, DateTimeOffset to) =>
        InsertAsync(connectionString, PendingSql, tenantId, count, from, to);

    /// <summary>Empties the event store, its ids and its aggregates, minutes and hours (TRUNCATE fires no row trigger; the benchmark's warm-up leaves events behind the first size, 0).</summary>
    public static async Task ClearAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("TRUNCATE usage_events, usage_event_ids, usage_aggregates, usage_aggregates_hourly", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Events stored in all, any tenant.</summary>
    public static async Task<long> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM usage_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>What the seeded events of a tenant sum to per metric between two instants (the check that the seed is what reads see).</summary>
    public static async Task<Dictionary<string, long>> SumsAsync(string connectionString, Guid tenantId, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT metric, sum(value)::bigint FROM usage_events WHERE tenant_id = @tenant AND occurred_at >= @from AND occurred_at < @to GROUP BY metric",
            connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        var sums = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sums[reader.GetString(0)] = reader.GetInt64(1);
        }

        return sums;
    }

    private static async Task<TimeSpan> InsertAsync(string connectionString, string sql, Guid tenantId, long count, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // Seeding is not what is measured: no wait for each chunk's fsync.
        await using (var session = new NpgsqlCommand("SET synchronous_commit = off", connection))
        {
            await session.ExecuteNonQueryAsync();
        }

        var watch = Stopwatch.StartNew();
        for (long first = 0; first < count; first += Chunk)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            command.Parameters.AddWithValue("tenant", tenantId);
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            command.Parameters.AddWithValue("first", first);
            command.Parameters.AddWithValue("rows", Math.Min(Chunk, count - first));
            command.Parameters.AddWithValue("count", (double)count);
            command.Parameters.AddWithValue("retention", new EventIdRetentionOptions().Retention);
            await command.ExecuteNonQueryAsync();
        }

        return watch.Elapsed;
    }

    private static async Task VacuumAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in new[] { "usage_events", "usage_event_ids", "usage_aggregates", "usage_aggregates_hourly" })
        {
            await using var vacuum = new NpgsqlCommand($"VACUUM (ANALYZE) {table}", connection) { CommandTimeout = 0 };
            await vacuum.ExecuteNonQueryAsync();
        }
    }
}
