using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>One tenant's usage of one metric over a time range, combined as the metric combines (sum, max or last).</summary>
public static class RangeValueQuery
{
    /// <param name="Value">Null when the range holds no event.</param>
    /// <param name="LatestAt">Time of the range's newest event.</param>
    public sealed record Result(long? Value, DateTimeOffset? LatestAt);

    internal static readonly string Sql = Combine(aggregatedOnly: false);
    internal static readonly string AggregatedSql = Combine(aggregatedOnly: true);

    private static string Combine(bool aggregatedOnly) => $"""
        WITH {WindowedUsageSql.Parts(aggregatedOnly)}
        SELECT {WindowedUsageSql.CombinedValue}, max(last_at) FROM parts GROUP BY metric
        """;

    /// <param name="aggregatedOnly">Only events already folded into aggregates (what submission may send).</param>
    public static async Task<Result> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid tenantId, string metric,
        DateTimeOffset start, DateTimeOffset end, bool aggregatedOnly, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(aggregatedOnly ? AggregatedSql : Sql, connection, transaction);
        WindowedUsageSql.Bind(command, tenantId, start, end, [metric]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return !await reader.ReadAsync(cancellationToken) ? new Result(null, null) : new Result(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
    }
}
