using Billing.Domain.Catalog;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>One tenant's usage of one metric over a time range, combined as the metric combines (sum, max or last).</summary>
public static class RangeValueQuery
{
    /// <param name="Value">Null when the range holds no event.</param>
    /// <param name="LatestAt">Time of the range's newest event.</param>
    public sealed record Result(long? Value, DateTimeOffset? LatestAt);

    /// <param name="aggregatedOnly">Only events already folded into aggregates (what submission may send).</param>
    public static async Task<Result> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid tenantId, string metric, MetricAggregation aggregation,
        DateTimeOffset start, DateTimeOffset end, bool aggregatedOnly, CancellationToken cancellationToken)
    {
        var value = aggregation switch
        {
            MetricAggregation.Sum => "sum(value)",
            MetricAggregation.Max => "max(value)",
            _ => "(array_agg(value ORDER BY occurred_at DESC, id DESC))[1]",
        };
        var sql = $"""
            SELECT {value}::bigint, max(occurred_at) FROM usage_events
            WHERE tenant_id = @tenant AND metric = @metric AND occurred_at >= @start AND occurred_at < @end
            {(aggregatedOnly ? "AND aggregated_at IS NOT NULL" : "")}
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("metric", metric);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.IsDBNull(0) ? new Result(null, null) : new Result(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
    }
}
