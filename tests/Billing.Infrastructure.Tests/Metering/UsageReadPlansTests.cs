using System.Text.Json;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// With a million events of one tenant in its period, the usage reads (period usage, which the counter rebuild, the
/// quota fallback and alert detection use; the hourly history; a range's value, which reconciliation and submission use)
/// read the period's hourly roll-ups (one-minute windows only for partial hours) and only the few events not aggregated
/// yet: PostgreSQL's own account of the rows it read (<c>EXPLAIN ANALYZE</c>) stays at the pending events for
/// <c>usage_events</c> and at two hours' minutes for <c>usage_aggregates</c>, so a regression to a scan of the period's
/// raw events or minutes fails here. Plans, not timings: the timings are the scale benchmark's.
/// </summary>
public sealed class UsageReadPlansTests(DataStoresFixture stores)
{
    private const int AggregatedEvents = 1_000_000;
    private const int PendingEvents = 1_000;
    private static readonly DateTimeOffset PeriodStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PeriodEnd = PeriodStart.AddMonths(1);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // Events spread over the period's 43,200 minutes and five metrics, folded into windows as the aggregator folds them
    // (written in two set-based statements: a million events through the aggregator would take the suite's time); the
    // windows' trigger rolls them up into hours.
    private const string SeedSql = """
        INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, received_at, aggregated_at)
        SELECT @tenant, 'e' || i, (ARRAY['llm_tokens','api_calls','agent_executions','storage_mb','user_seats'])[1 + i % 5],
               1 + i % 97, @start + (i * interval '2.5 seconds'), @start, now()
        FROM generate_series(1, @count) AS i;
        INSERT INTO usage_aggregates (tenant_id, metric, window_start, value, event_count, last_event_at, last_event_id, submission_pending, updated_at)
        SELECT tenant_id, metric, date_trunc('minute', occurred_at),
               CASE WHEN metric = 'storage_mb' THEN max(value) WHEN metric = 'user_seats' THEN (array_agg(value ORDER BY occurred_at DESC, id DESC))[1] ELSE sum(value) END,
               count(*), max(occurred_at), (array_agg(id ORDER BY occurred_at DESC, id DESC))[1], false, now()
        FROM usage_events WHERE tenant_id = @tenant GROUP BY 1, 2, 3;
        INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, received_at)
        SELECT @tenant, 'p' || i, 'llm_tokens', 1, @start + (i * interval '1 hour'), now() FROM generate_series(1, @pending) AS i;
        ANALYZE usage_events; ANALYZE usage_aggregates; ANALYZE usage_aggregates_hourly;
        """;

    private static string Raw(string combined) => $"""
        SELECT metric, {combined} FROM usage_events
        WHERE tenant_id = @tenant AND occurred_at >= @start AND occurred_at < @end AND metric = ANY(@metrics) GROUP BY metric
        """;

    /// <summary>At most two partial hours of minute windows, for every metric.</summary>
    private const int MostMinuteWindows = 2 * 60 * 5;

    [Fact]
    public async Task Usage_reads_use_the_hourly_rollups_and_the_pending_events_not_the_periods_minutes_or_raw_events()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Cancel);
        var tenant = Guid.NewGuid();
        await using (var seed = new NpgsqlCommand(SeedSql, connection) { CommandTimeout = 300 })
        {
            seed.Parameters.AddWithValue("tenant", tenant);
            seed.Parameters.AddWithValue("start", PeriodStart.UtcDateTime);
            seed.Parameters.AddWithValue("count", AggregatedEvents);
            seed.Parameters.AddWithValue("pending", PendingEvents);
            await seed.ExecuteNonQueryAsync(Cancel);
        }

        var reads = new Dictionary<string, string>
        {
            ["period usage"] = PeriodUsageQuery.Sql,
            ["usage history"] = UsageHistoryQuery.Sql,
            ["range value"] = RangeValueQuery.Sql,
            ["billed range value"] = RangeValueQuery.AggregatedSql,
        };
        foreach (var (name, sql) in reads)
        {
            var plan = await ExplainAsync(connection, sql, tenant);
            Assert.True(RowsRead(plan, "usage_aggregates_hourly") > 0, $"{name} does not read usage_aggregates_hourly: {plan}");
            Assert.True(RowsRead(plan, "usage_aggregates") <= MostMinuteWindows, $"{name} read {RowsRead(plan, "usage_aggregates")} minute windows: {plan}");
            Assert.True(RowsRead(plan, "usage_events") <= PendingEvents, $"{name} read {RowsRead(plan, "usage_events")} raw events: {plan}");
        }

        // The measure sees a raw read when there is one: the same question asked of the raw events reads all of them.
        var raw = await ExplainAsync(connection, Raw(WindowedUsageSql.CombinedValue.Replace("last_at", "occurred_at").Replace("last_id", "id")), tenant);
        Assert.True(RowsRead(raw, "usage_events") >= AggregatedEvents, raw.ToString());
    }

    private static async Task<JsonElement> ExplainAsync(NpgsqlConnection connection, string sql, Guid tenant)
    {
        await using var command = new NpgsqlCommand($"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", connection);
        WindowedUsageSql.Bind(command, tenant, PeriodStart, PeriodEnd, Metrics.All.Select(m => m.Key));
        using var json = JsonDocument.Parse((string)(await command.ExecuteScalarAsync(Cancel))!);
        return json.RootElement[0].GetProperty("Plan").Clone();
    }

    /// <summary>Rows the plan's scans of <paramref name="table"/> returned, over all their loops.</summary>
    private static long RowsRead(JsonElement node, string table)
    {
        var own = node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == table
            ? (long)(node.GetProperty("Actual Rows").GetDouble() * node.GetProperty("Actual Loops").GetDouble())
            : 0;
        return own + (node.TryGetProperty("Plans", out var children) ? children.EnumerateArray().Sum(child => RowsRead(child, table)) : 0);
    }
}
