using Billing.Domain.Alerts;
using Billing.Domain.Catalog;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// <c>usage_alerts</c> as the outbox of alert webhooks: a row is written once per threshold and period (the unique
/// index decides, <c>ON CONFLICT DO NOTHING</c>), claimed for delivery, and updated with each attempt's outcome.
/// </summary>
public static class AlertOutbox
{
    private const string InsertSql = """
        INSERT INTO usage_alerts (id, tenant_id, kind, metric, threshold_percent, period_start, value, "limit",
                                  created_at, delivery_status, delivery_attempts, next_attempt_at)
        SELECT a.id, @tenant, a.kind, a.metric, a.threshold, @period, a.value, a.lim, @now, 'pending', 0, @now
        FROM unnest(@ids, @kinds, @metrics, @thresholds, @values, @limits) AS a(id, kind, metric, threshold, value, lim)
        ON CONFLICT DO NOTHING
        RETURNING kind, metric, threshold_percent
        """;

    // The lease moves next_attempt_at past the pass, so a second deliverer skips the rows (SKIP LOCKED while the claim
    // runs, the future time after it commits) and a crashed pass's rows come due again once the lease ends.
    private const string ClaimSql = """
        UPDATE usage_alerts a SET next_attempt_at = @lease
        FROM (SELECT id FROM usage_alerts WHERE delivery_status = 'pending' AND next_attempt_at <= @now
              ORDER BY next_attempt_at LIMIT @batch FOR UPDATE SKIP LOCKED) due, tenants t
        WHERE a.id = due.id AND t.id = a.tenant_id
        RETURNING a.id, a.tenant_id, a.kind, a.metric, a.threshold_percent, a.period_start, a.value, a."limit", a.created_at,
                  a.delivery_attempts, t.alert_webhook_url, t.alert_webhook_secret
        """;

    private const string OutcomeSql = """
        UPDATE usage_alerts SET delivery_status = @status, delivery_attempts = @attempts, next_attempt_at = @next,
                                delivered_at = @delivered, last_error = @error
        WHERE id = @id
        """;

    /// <summary>Stores the crossings not alerted yet in this period, as pending deliveries due now; returns those that were new.</summary>
    public static async Task<IReadOnlyList<ThresholdCrossing>> InsertAsync(
        NpgsqlConnection connection, Guid tenantId, DateTimeOffset periodStart, IReadOnlyList<ThresholdCrossing> crossings,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (crossings.Count == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand(InsertSql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("period", periodStart.UtcDateTime);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        // Version 7 ids carry the alert's time, so they sort as the alerts were raised.
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. crossings.Select(_ => Guid.CreateVersion7(now))] });
        command.Parameters.Add(new NpgsqlParameter<string[]>("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. crossings.Select(c => c.Kind.ToKey())] });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("metrics", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. crossings.Select(c => c.Metric?.ToKey())] });
        command.Parameters.Add(new NpgsqlParameter<int[]>("thresholds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. crossings.Select(c => c.ThresholdPercent)] });
        command.Parameters.Add(new NpgsqlParameter<long[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. crossings.Select(c => c.Value)] });
        command.Parameters.Add(new NpgsqlParameter<long[]>("limits", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. crossings.Select(c => c.Limit)] });

        var inserted = new HashSet<(string Kind, string? Metric, int Threshold)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2)));
            }
        }

        return [.. crossings.Where(c => inserted.Contains((c.Kind.ToKey(), c.Metric?.ToKey(), c.ThresholdPercent)))];
    }

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> pending alerts due at <paramref name="now"/> until <paramref name="leaseUntil"/>;
    /// their payloads carry no currency yet (the catalog knows it).
    /// </summary>
    public static async Task<IReadOnlyList<DueAlert>> ClaimDueAsync(
        NpgsqlConnection connection, DateTimeOffset now, DateTimeOffset leaseUntil, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ClaimSql, connection);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        command.Parameters.AddWithValue("lease", leaseUntil.UtcDateTime);
        command.Parameters.AddWithValue("batch", batchSize);
        var due = new List<DueAlert>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var payload = new AlertWebhookPayload(
                reader.GetGuid(0), AlertWebhookPayload.EventType, reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6), reader.GetInt64(7), Currency: null,
                reader.GetFieldValue<DateTimeOffset>(8));
            due.Add(new DueAlert(payload, reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return due;
    }

    /// <summary>Writes the outcome of one delivery attempt (or of skipping it).</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, Guid id, DeliveryOutcome outcome, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(OutcomeSql, connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("status", outcome.Status);
        command.Parameters.AddWithValue("attempts", outcome.Attempts);
        command.Parameters.Add(new NpgsqlParameter<DateTime?>("next", NpgsqlDbType.TimestampTz) { TypedValue = outcome.NextAttemptAt?.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<DateTime?>("delivered", NpgsqlDbType.TimestampTz) { TypedValue = outcome.DeliveredAt?.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<string?>("error", NpgsqlDbType.Text) { TypedValue = outcome.Error });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
