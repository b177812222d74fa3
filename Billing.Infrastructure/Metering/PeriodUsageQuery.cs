using Billing.Domain.Catalog;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// A tenant's usage of each metric in a period, as the raw events in <c>usage_events</c> (the source of truth) give it,
/// read from their one-minute windows plus the events not aggregated yet (<see cref="WindowedUsageSql"/>).
/// </summary>
public static class PeriodUsageQuery
{
    internal static readonly string Sql = $"""
        WITH {WindowedUsageSql.Parts(aggregatedOnly: false)}
        SELECT metric, {WindowedUsageSql.CombinedValue}, max(last_at) FROM parts GROUP BY metric
        """;

    public sealed record MetricUsage(long Value, DateTimeOffset? LastEventAt);

    public static async Task<Dictionary<Metric, MetricUsage>> ReadAsync(
        NpgsqlConnection connection, Guid tenantId, DateTimeOffset start, DateTimeOffset end, IReadOnlyCollection<Metric> metrics,
        CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        WindowedUsageSql.Bind(command, tenantId, start, end, metrics.Select(m => m.ToKey()));

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
