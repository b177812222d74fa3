using Billing.Domain.Catalog;
using Billing.Infrastructure.Tenancy;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>A tenant's usage per metric and hour of a period, running: sums accumulate, storage keeps its maximum, seats their latest value.</summary>
public static class UsageHistoryQuery
{
    // Hours are built from the period's one-minute windows and pending events (WindowedUsageSql), not from every event.
    internal static readonly string Sql = $"""
        WITH {WindowedUsageSql.Parts(aggregatedOnly: false)}
        SELECT metric, date_trunc('hour', at) AS hour, {WindowedUsageSql.CombinedValue}
        FROM parts GROUP BY metric, date_trunc('hour', at) ORDER BY metric, hour
        """;

    public sealed record Point(Metric Metric, DateTimeOffset At, long Cumulative);

    public static async Task<IReadOnlyList<Point>> ReadAsync(NpgsqlDataSource dataSource, Guid tenantId, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        await using var connection = await TenantConnections.OpenAsync(dataSource, cancellationToken);
        await using var command = new NpgsqlCommand(Sql, connection);
        WindowedUsageSql.Bind(command, tenantId, start, end, MetricKeys.All.Select(m => m.ToKey()));
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
