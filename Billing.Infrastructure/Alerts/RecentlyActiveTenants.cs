using Npgsql;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// The tenants whose alerts may have changed since an instant: those with usage events received since, and those whose
/// row changed since (a new spend limit can be crossed already). Only they are evaluated, so a detection run costs what
/// arrived since the last one, not every tenant's period every minute.
/// </summary>
public static class RecentlyActiveTenants
{
    public const int BatchSize = 5_000;

    // usage_events has no index on received_at (and the schema stays as it is), but ids and received_at grow together:
    // walking the primary key backwards from the newest event reads only the recent tail. The walk stops at the first
    // batch received entirely before @since; the caller's overlap covers ids handed out slightly out of time order.
    private const string EventsSql = """
        WITH batch AS (
            SELECT id, tenant_id, received_at FROM usage_events WHERE id < @before ORDER BY id DESC LIMIT @size
        )
        SELECT min(id), max(received_at), array_agg(DISTINCT tenant_id) FILTER (WHERE received_at >= @since) FROM batch
        """;

    // tenants is small (one row per customer): a scan of it each run is cheap.
    private const string TenantsSql = "SELECT id FROM tenants WHERE updated_at >= @since";

    public static async Task<IReadOnlySet<Guid>> SinceAsync(NpgsqlConnection connection, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var tenants = new HashSet<Guid>();
        var before = long.MaxValue;
        while (true)
        {
            await using var command = new NpgsqlCommand(EventsSql, connection);
            command.Parameters.AddWithValue("before", before);
            command.Parameters.AddWithValue("size", BatchSize);
            command.Parameters.AddWithValue("since", since.UtcDateTime);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
            {
                break;
            }

            if (!reader.IsDBNull(2))
            {
                tenants.UnionWith(reader.GetFieldValue<Guid[]>(2));
            }

            if (reader.GetFieldValue<DateTimeOffset>(1) < since)
            {
                break;
            }

            before = reader.GetInt64(0);
        }

        await using (var command = new NpgsqlCommand(TenantsSql, connection))
        {
            command.Parameters.AddWithValue("since", since.UtcDateTime);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                tenants.Add(reader.GetGuid(0));
            }
        }

        return tenants;
    }
}
