using Billing.Domain.Catalog;
using Billing.Infrastructure.Tenancy;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>A tenant's usage per metric and hour of a period, running: sums accumulate, storage keeps its maximum, seats their latest value.</summary>
public static class UsageHistoryQuery
{
    private const string Sql = """
        SELECT metric, date_trunc('hour', occurred_at) AS hour,
               CASE WHEN metric = ANY(@sum) THEN sum(value)
                    WHEN metric = ANY(@max) THEN max(value)
                    ELSE (array_agg(value ORDER BY occurred_at DESC, id DESC))[1] END
        FROM usage_events
        WHERE tenant_id = @tenant AND occurred_at >= @start AND occurred_at < @end
        GROUP BY metric, date_trunc('hour', occurred_at)
        ORDER BY metric, hour
        """;

    public sealed record Point(Metric Metric, DateTimeOffset At, long Cumulative);

    public static async Task<IReadOnlyList<Point>> ReadAsync(NpgsqlDataSource dataSource, Guid tenantId, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        await using var connection = await TenantConnections.OpenAsync(dataSource, cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("sum", MetricSql.KeysWith(MetricAggregation.Sum));
        command.Parameters.AddWithValue("max", MetricSql.KeysWith(MetricAggregation.Max));
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        var points = new List<Point>();
        var running = new Dictionary<Metric, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!MetricKeys.TryParse(reader.GetString(0), out var metric))
            {
                continue;
            }

            var value = reader.GetInt64(2);
            var cumulative = Metrics.Get(metric).Aggregation switch
            {
                MetricAggregation.Sum => running.GetValueOrDefault(metric) + value,
                MetricAggregation.Max => Math.Max(running.GetValueOrDefault(metric), value),
                _ => value,
            };
            running[metric] = cumulative;
            points.Add(new Point(metric, reader.GetFieldValue<DateTimeOffset>(1), cumulative));
        }

        return points;
    }
}
