using Npgsql;
using NpgsqlTypes;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Writes usage events in one multi-row statement. The database decides duplicates at write time
/// (<c>ON CONFLICT DO NOTHING RETURNING</c>): there is no "claimed but not stored" state, so a retry
/// after a failed write is counted exactly once.
/// </summary>
public static class UsageEventStore
{
    private const string InsertSql = """
        INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, properties, trace_parent)
        SELECT e.tenant_id, e.event_id, e.metric, e.value, e.occurred_at, e.properties::jsonb, e.trace_parent
        FROM unnest(@tenants, @ids, @metrics, @values, @times, @properties, @traces)
            AS e(tenant_id, event_id, metric, value, occurred_at, properties, trace_parent)
        ON CONFLICT (tenant_id, event_id) DO NOTHING
        RETURNING tenant_id, event_id
        """;

    /// <summary>Inserts the events and returns the (tenant, id) pairs that were new; the rest were duplicates.</summary>
    /// <remarks>Events must be distinct by (tenant, id) within the call: the caller settles in-batch repeats.</remarks>
    public static async Task<HashSet<(Guid TenantId, string EventId)>> InsertAsync(
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

        var inserted = new HashSet<(Guid, string)>(events.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return inserted;
    }
}
