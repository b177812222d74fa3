using Billing.Infrastructure.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Writes usage events in one transaction. The database decides duplicates at write time, by the primary key of
/// <c>usage_event_ids</c> (tenant and id), written in the same transaction as the events: there is no "claimed but not
/// stored" state, so a retry after a failed write is counted exactly once. Ids expire after
/// <c>Usage:EventIdRetentionDays</c> (docs/database.md, "Event store layout at scale").
/// </summary>
public static class UsageEventStore
{
    // The ids first: those new to usage_event_ids are the events stored, in the order given (ids are drawn in that
    // order, which orders events of equal time). The first row is the count of new events; the (tenant, id) pairs
    // follow only when some were duplicates, so the common all-new insert sends back one row instead of one per event.
    private const string InsertSql = """
        WITH new_ids AS (
            INSERT INTO usage_event_ids (tenant_id, event_id)
            SELECT * FROM unnest(@tenants, @ids)
            ON CONFLICT (tenant_id, event_id) DO NOTHING
            RETURNING tenant_id, event_id),
        inserted AS (
            INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, properties, trace_parent)
            SELECT e.tenant_id, e.event_id, e.metric, e.value, e.occurred_at, e.properties::jsonb, e.trace_parent
            FROM unnest(@tenants, @ids, @metrics, @values, @times, @properties, @traces)
                WITH ORDINALITY AS e(tenant_id, event_id, metric, value, occurred_at, properties, trace_parent, position)
            JOIN new_ids n ON n.tenant_id = e.tenant_id AND n.event_id = e.event_id
            ORDER BY e.position
            RETURNING tenant_id, event_id),
        total AS (SELECT count(*)::int AS n FROM inserted)
        SELECT NULL::uuid, NULL::text, n FROM total
        UNION ALL
        SELECT i.tenant_id, i.event_id, NULL::int FROM inserted i, total WHERE total.n < @count
        """;

    private const string CopyIdsSql = "COPY usage_event_ids (tenant_id, event_id) FROM STDIN (FORMAT BINARY)";

    private const string CopySql =
        "COPY usage_events (tenant_id, event_id, metric, value, occurred_at, properties, trace_parent) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Stores the events with two binary <c>COPY</c>s in one transaction, the ids and then the events, cheaper for
    /// PostgreSQL than the deduplicating insert; null when any event is a duplicate, in which case the ids' <c>COPY</c>
    /// failed, the transaction stored nothing and the caller writes the events with <see cref="InsertByTenantAsync"/>.
    /// </summary>
    /// <remarks>
    /// Runs on an <see cref="IngestionDataSource"/> connection: PostgreSQL refuses <c>COPY FROM</c> under row-level security.
    /// </remarks>
    public static async Task<InsertedEvents?> TryCopyAsync(
        NpgsqlConnection connection, IReadOnlyList<NewUsageEvent> events, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var ids = await connection.BeginBinaryImportAsync(CopyIdsSql, cancellationToken))
            {
                foreach (var e in events)
                {
                    await ids.StartRowAsync(cancellationToken);
                    await ids.WriteAsync(e.TenantId, NpgsqlDbType.Uuid, cancellationToken);
                    await ids.WriteAsync(e.EventId, NpgsqlDbType.Text, cancellationToken);
                }

                await ids.CompleteAsync(cancellationToken);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return null;
        }

        ulong stored;
        await using (var copy = await connection.BeginBinaryImportAsync(CopySql, cancellationToken))
        {
            foreach (var e in events)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(e.TenantId, NpgsqlDbType.Uuid, cancellationToken);
                await copy.WriteAsync(e.EventId, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(e.Metric, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(e.Value, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(e.OccurredAt.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
                await WriteNullableAsync(copy, e.PropertiesJson, NpgsqlDbType.Jsonb, cancellationToken);
                await WriteNullableAsync(copy, e.TraceParent, NpgsqlDbType.Text, cancellationToken);
            }

            stored = await copy.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return InsertedEvents.All(checked((int)stored));
    }

    /// <summary>
    /// The deduplicating insert of events of several tenants: each tenant's in its own tenant session, since the insert
    /// reads back which events were new and a read of <c>usage_events</c> may see one tenant's rows only; all in one
    /// transaction, so the events are still stored all together or not at all.
    /// </summary>
    /// <remarks>Events must be ordered by tenant and distinct by (tenant, id).</remarks>
    public static async Task<InsertedEvents> InsertByTenantAsync(
        NpgsqlConnection connection, IReadOnlyList<NewUsageEvent> events, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var runs = new List<(List<NewUsageEvent> Events, InsertedEvents Inserted)>();
        for (var start = 0; start < events.Count;)
        {
            var tenantId = events[start].TenantId;
            var run = new List<NewUsageEvent>();
            for (; start < events.Count && events[start].TenantId == tenantId; start++)
            {
                run.Add(events[start]);
            }

            await TenantSession.EnterAsync(connection, tenantId, cancellationToken, transaction);
            runs.Add((run, await InsertAsync(connection, transaction, run, cancellationToken)));
        }

        await transaction.CommitAsync(cancellationToken);
        if (runs.All(r => r.Inserted.Count == r.Events.Count))
        {
            return InsertedEvents.All(events.Count);
        }

        return InsertedEvents.Only([.. runs.SelectMany(r => r.Events.Where(e => r.Inserted.Contains((e.TenantId, e.EventId))).Select(e => (e.TenantId, e.EventId)))]);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);

    /// <summary>Inserts the events and tells which were new; the rest were duplicates.</summary>
    /// <remarks>
    /// Events must be distinct by (tenant, id) within the call: the caller settles in-batch repeats. On a tenant's session,
    /// row-level security refuses an event of another tenant.
    /// </remarks>
    public static async Task<InsertedEvents> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<NewUsageEvent> events, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("tenants", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. events.Select(e => e.TenantId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. events.Select(e => e.EventId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("metrics", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. events.Select(e => e.Metric)] });
        command.Parameters.Add(new NpgsqlParameter<long[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. events.Select(e => e.Value)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. events.Select(e => e.OccurredAt.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("properties", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. events.Select(e => e.PropertiesJson)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("traces", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. events.Select(e => e.TraceParent)] });
        command.Parameters.Add(new NpgsqlParameter<int>("count", NpgsqlDbType.Integer) { TypedValue = events.Count });

        var count = -1;
        HashSet<(Guid, string)>? some = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.IsDBNull(0))
            {
                count = reader.GetInt32(2);
            }
            else
            {
                (some ??= new HashSet<(Guid, string)>(events.Count)).Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }

        if (count < 0)
        {
            throw new InvalidOperationException("The usage event insert returned no count.");
        }

        return count == events.Count ? InsertedEvents.All(count) : InsertedEvents.Only(some ?? []);
    }
}
