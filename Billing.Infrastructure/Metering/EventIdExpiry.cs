using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Deletes the ids of <c>usage_event_ids</c> received before the retention window (<see cref="EventIdRetentionOptions"/>),
/// a bounded batch per statement so no statement holds locks or bloats a transaction for long. Raw events are not
/// touched: only their ids stop deduplicating.
/// </summary>
public static class EventIdExpiry
{
    private const string DeleteSql = """
        DELETE FROM usage_event_ids WHERE (tenant_id, event_id) IN (
            SELECT tenant_id, event_id FROM usage_event_ids WHERE received_at < @cutoff ORDER BY received_at LIMIT @batch)
        """;

    public const int BatchSize = 10_000;

    /// <summary>Deletes up to <paramref name="batchSize"/> ids received before <paramref name="cutoff"/>; call again while it returns a full batch.</summary>
    public static async Task<int> DeleteBatchAsync(NpgsqlConnection connection, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(DeleteSql, connection);
        command.Parameters.AddWithValue("cutoff", cutoff);
        command.Parameters.AddWithValue("batch", batchSize);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
