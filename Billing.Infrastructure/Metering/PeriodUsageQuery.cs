using Billing.Domain.Catalog;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>A tenant's usage of each metric in a period, straight from <c>usage_events</c> (the source of truth).</summary>
public static class PeriodUsageQuery
{
    // Counters sum, storage keeps its maximum, seats their latest reported value (by event time, then arrival).
    private const string Sql = """
        SELECT metric,
               CASE WHEN metric = ANY(@sum) THEN sum(value)
                    WHEN metric = ANY(@max) THEN max(value)
                    ELSE (array_agg(value ORDER BY occurred_at DESC, id DESC))[1] END,
               max(occurred_at)
        FROM usage_events
        WHERE tenant_id = @tenant AND occurred_at >= @start AND occurred_at < @end AND metric = ANY(@metrics)
        GROUP BY metric
        """;

    public sealed record MetricUsage(long Value, DateTimeOffset? LastEventAt);

    public static async Task<Dictionary<Metric, MetricUsage>> ReadAsync(
        NpgsqlConnection connection, Guid tenantId, DateTimeOffset start, DateTimeOffset end, IReadOnlyCollection<Metric> metrics,
        CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.AddWithValue("sum", MetricSql.KeysWith(MetricAggregation.Sum));
        command.Parameters.AddWithValue("max", MetricSql.KeysWith(MetricAggregation.Max));
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        command.Parameters.AddWithValue("metrics", metrics.Select(m => m.ToKey()).ToArray());

        var usage = metrics.ToDictionary(m => m, _ => new MetricUsage(0, null));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (MetricKeys.TryParse(reader.GetString(0), out var metric))
            {
                usage[metric] = new MetricUsage(reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
            }
        }

        return usage;
    }
}
