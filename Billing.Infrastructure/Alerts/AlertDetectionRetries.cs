using Npgsql;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// <c>alert_detection_retries</c>: the tenants whose last evaluation failed. Every detection run evaluates them again,
/// active or not, until one succeeds, so a run can move its cursor on without losing a failed tenant's window.
/// </summary>
public static class AlertDetectionRetries
{
    /// <summary>The longest part of an exception's message kept in <c>last_error</c>.</summary>
    private const int MaxErrorLength = 500;

    private const string FailedSql = """
        INSERT INTO alert_detection_retries (tenant_id, failures, first_failed_at, last_failed_at, last_error)
        VALUES (@tenant, 1, @now, @now, @error)
        ON CONFLICT (tenant_id) DO UPDATE SET failures = alert_detection_retries.failures + 1, last_failed_at = excluded.last_failed_at,
                                              last_error = excluded.last_error
        RETURNING failures
        """;

    public static async Task<IReadOnlySet<Guid>> TenantsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT tenant_id FROM alert_detection_retries", connection);
        var tenants = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(reader.GetGuid(0));
        }

        return tenants;
    }

    /// <summary>Notes a failed evaluation; returns the tenant's failures in a row.</summary>
    public static async Task<int> FailedAsync(NpgsqlConnection connection, Guid tenantId, Exception error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The exception's type and message only: what failed, never the connection string or the data it carried.
        var message = $"{error.GetType().Name}: {error.Message}";
        await using var command = new NpgsqlCommand(FailedSql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("error", message.Length <= MaxErrorLength ? message : message[..MaxErrorLength]);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task SucceededAsync(NpgsqlConnection connection, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("DELETE FROM alert_detection_retries WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
