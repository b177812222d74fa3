using Billing.Domain.Catalog;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// The usage reads (period usage, hourly history, a range's value) built from hourly roll-ups and one-minute windows plus
/// the events not aggregated yet give exactly what the raw events give: for counters, storage (max) and seats (last, ties in time
/// going to the later id), for events aggregated in several runs, events still waiting, set-aside events (which count
/// in usage though they are never billed), and ranges that start and end inside a minute or an hour.
/// </summary>
public sealed class WindowedUsageQueriesTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset PeriodStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PeriodEnd = PeriodStart.AddMonths(1);
    private static readonly string[] MetricNames = [.. Metrics.All.Select(m => m.Key)];

    // The reads as they were, over every raw event of the range: the truth the windowed reads must equal.
    private const string RawRangeSql = """
        SELECT metric,
               CASE WHEN metric IN ('storage_mb') THEN max(value)
                    WHEN metric IN ('user_seats') THEN (array_agg(value ORDER BY occurred_at DESC, id DESC))[1]
                    ELSE sum(value) END::bigint,
               max(occurred_at)
        FROM usage_events WHERE tenant_id = @tenant AND occurred_at >= @start AND occurred_at < @end {filter}
        GROUP BY metric
        """;

    private const string RawHistorySql = """
        SELECT metric, date_trunc('hour', occurred_at),
               CASE WHEN metric IN ('storage_mb') THEN max(value)
                    WHEN metric IN ('user_seats') THEN (array_agg(value ORDER BY occurred_at DESC, id DESC))[1]
                    ELSE sum(value) END::bigint
        FROM usage_events WHERE tenant_id = @tenant AND occurred_at >= @start AND occurred_at < @end
        GROUP BY 1, 2 ORDER BY 1, 2
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Events over a few hours of the period, at whole and fractional seconds, several sharing a time; a third left unaggregated, one set aside.</summary>
    private async Task<(NpgsqlDataSource DataSource, Guid Tenant)> SeedAsync()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var dataSource = NpgsqlDataSource.Create(database.Superuser);
        var tenant = Guid.NewGuid();
        var random = new Random(15);
        var start = PeriodStart.AddDays(3);
        NewUsageEvent Next(int i) => new(
            tenant, $"e{i:D5}", MetricNames[random.Next(MetricNames.Length)], random.Next(1, 500),
            start.AddSeconds(random.Next(0, 4 * 3600) / 3 * 3).AddMilliseconds(random.Next(0, 2) * 250), start, null, null);

        await using var connection = await dataSource.OpenConnectionAsync(Cancel);
        await UsageEventStore.InsertAsync(connection, null, [.. Enumerable.Range(0, 1_500).Select(Next)], Cancel);
        await UsageAggregator.RunBatchAsync(connection, 100_000, Cancel);
        await UsageEventStore.InsertAsync(connection, null, [.. Enumerable.Range(1_500, 1_500).Select(Next)], Cancel);
        await UsageAggregator.RunBatchAsync(connection, 100_000, Cancel);
        await UsageEventStore.InsertAsync(connection, null, [.. Enumerable.Range(3_000, 1_500).Select(Next)], Cancel);
        await using var setAside = new NpgsqlCommand(
            "UPDATE usage_events SET set_aside_at = now(), set_aside_reason = 'test' WHERE id = (SELECT max(id) FROM usage_events WHERE metric = 'llm_tokens')", connection);
        Assert.Equal(1, await setAside.ExecuteNonQueryAsync(Cancel));
        return (dataSource, tenant);
    }

    private static async Task<Dictionary<string, (long Value, DateTimeOffset At)>> RawAsync(
        NpgsqlConnection connection, Guid tenant, DateTimeOffset start, DateTimeOffset end, bool aggregatedOnly = false)
    {
        await using var command = new NpgsqlCommand(RawRangeSql.Replace("{filter}", aggregatedOnly ? "AND aggregated_at IS NOT NULL" : "", StringComparison.Ordinal), connection);
        command.Parameters.AddWithValue("tenant", tenant);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        var rows = new Dictionary<string, (long, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
        {
            rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
        }

        return rows;
    }

    public static TheoryData<int, int> Ranges => new()
    {
        { 0, 31 * 24 * 3600 },          // the whole period, whole minutes
        { 3 * 86_400 + 61, 3 * 86_400 + 7_207 },   // starts and ends inside minutes
        { 3 * 86_400 + 3_605, 3 * 86_400 + 3_650 }, // within one minute
        { 3 * 86_400 + 3_590, 3 * 86_400 + 3_620 }, // across one minute's boundary
        { 3 * 86_400 + 1_805, 3 * 86_400 + 3 * 3_600 + 1_234 }, // partial hours and minutes around two whole hours
        { 3 * 86_400 + 1_800, 3 * 86_400 + 3 * 3_600 }, // whole minutes, starting inside an hour, ending on one
        { 3 * 86_400 + 3_600, 3 * 86_400 + 3 * 3_600 + 60 }, // whole hours plus one minute
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task Period_usage_and_range_values_equal_the_raw_events(int fromSecond, int toSecond)
    {
        var (dataSource, tenant) = await SeedAsync();
        await using var _ = dataSource;
        await using var connection = await dataSource.OpenConnectionAsync(Cancel);
        var start = PeriodStart.AddSeconds(fromSecond);
        var end = PeriodStart.AddSeconds(toSecond);
        var raw = await RawAsync(connection, tenant, start, end);
        var rawAggregated = await RawAsync(connection, tenant, start, end, aggregatedOnly: true);
        Assert.NotEmpty(raw);

        var usage = await PeriodUsageQuery.ReadAsync(connection, tenant, start, end, MetricKeys.All, Cancel);
        foreach (var metric in Metrics.All)
        {
            var expected = raw.TryGetValue(metric.Key, out var row) ? new PeriodUsageQuery.MetricUsage(row.Value, row.At) : new PeriodUsageQuery.MetricUsage(0, null);
            Assert.Equal(expected, usage[metric.Metric]);

            var range = await RangeValueQuery.ReadAsync(connection, null, tenant, metric.Key, start, end, aggregatedOnly: false, Cancel);
            Assert.Equal(raw.TryGetValue(metric.Key, out var all) ? new RangeValueQuery.Result(all.Value, all.At) : new RangeValueQuery.Result(null, null), range);
            var billed = await RangeValueQuery.ReadAsync(connection, null, tenant, metric.Key, start, end, aggregatedOnly: true, Cancel);
            Assert.Equal(rawAggregated.TryGetValue(metric.Key, out var folded) ? new RangeValueQuery.Result(folded.Value, folded.At) : new RangeValueQuery.Result(null, null), billed);
        }
    }

    [Fact]
    public async Task Hourly_rollups_equal_their_minute_windows_regrouped_after_folds_that_revisit_old_minutes()
    {
        var (dataSource, tenant) = await SeedAsync();
        await using var _ = dataSource;
        await using var connection = await dataSource.OpenConnectionAsync(Cancel);
        await UsageAggregator.RunBatchAsync(connection, 100_000, Cancel);
        await using var command = new NpgsqlCommand("""
            WITH regrouped AS (
                SELECT metric, date_trunc('hour', window_start, 'UTC') AS hour_start,
                       CASE WHEN metric = ANY(@sum) THEN sum(value) WHEN metric = ANY(@max) THEN max(value)
                            ELSE (array_agg(value ORDER BY last_event_at DESC, last_event_id DESC))[1] END::bigint AS value,
                       sum(event_count)::bigint AS event_count, max(last_event_at) AS last_event_at,
                       (array_agg(last_event_id ORDER BY last_event_at DESC, last_event_id DESC))[1] AS last_event_id
                FROM usage_aggregates WHERE tenant_id = @tenant GROUP BY 1, 2
            ), hourly AS (
                SELECT metric, hour_start, value, event_count, last_event_at, last_event_id FROM usage_aggregates_hourly WHERE tenant_id = @tenant
            )
            SELECT (SELECT count(*) FROM hourly),
                   (SELECT count(*) FROM (SELECT * FROM regrouped EXCEPT SELECT * FROM hourly) AS missing),
                   (SELECT count(*) FROM (SELECT * FROM hourly EXCEPT SELECT * FROM regrouped) AS extra),
                   (SELECT sum(event_count) FROM hourly)::bigint,
                   (SELECT count(*) FROM usage_events WHERE tenant_id = @tenant AND aggregated_at IS NOT NULL)
            """, connection);
        command.Parameters.AddWithValue("tenant", tenant);
        command.Parameters.AddWithValue("sum", MetricSql.KeysWith(MetricAggregation.Sum));
        command.Parameters.AddWithValue("max", MetricSql.KeysWith(MetricAggregation.Max));
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        await reader.ReadAsync(Cancel);

        Assert.True(reader.GetInt64(0) >= 4 * MetricNames.Length, $"{reader.GetInt64(0)} hourly rows");
        Assert.Equal(0, reader.GetInt64(1));
        Assert.Equal(0, reader.GetInt64(2));
        Assert.Equal(reader.GetInt64(4), reader.GetInt64(3));
    }

    [Fact]
    public async Task The_rollup_trigger_combines_each_metric_as_the_catalog_says()
    {
        // The trigger's metric lists are frozen by its migration: a metric added to the catalog needs a migration too.
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand("SELECT pg_get_functiondef('usage_aggregates_roll_up_hour'::regproc)", connection);
        var definition = (string)(await command.ExecuteScalarAsync(Cancel))!;

        Assert.Contains($"'{{{string.Join(',', MetricSql.KeysWith(MetricAggregation.Sum))}}}'::text[]", definition, StringComparison.Ordinal);
        Assert.Contains($"'{{{string.Join(',', MetricSql.KeysWith(MetricAggregation.Max))}}}'::text[]", definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_counts_set_aside_and_pending_events_and_billing_counts_neither()
    {
        var (dataSource, tenant) = await SeedAsync();
        await using var _ = dataSource;
        await using var connection = await dataSource.OpenConnectionAsync(Cancel);
        var raw = await RawAsync(connection, tenant, PeriodStart, PeriodEnd);
        var rawAggregated = await RawAsync(connection, tenant, PeriodStart, PeriodEnd, aggregatedOnly: true);

        var usage = await PeriodUsageQuery.ReadAsync(connection, tenant, PeriodStart, PeriodEnd, [Metric.LlmTokens], Cancel);
        var billed = await RangeValueQuery.ReadAsync(connection, null, tenant, "llm_tokens", PeriodStart, PeriodEnd, aggregatedOnly: true, Cancel);

        Assert.Equal(raw["llm_tokens"].Value, usage[Metric.LlmTokens].Value);
        Assert.Equal(rawAggregated["llm_tokens"].Value, billed.Value);
        Assert.True(usage[Metric.LlmTokens].Value > billed.Value);
    }

    [Fact]
    public async Task Hourly_history_equals_the_raw_events_grouped_by_hour()
    {
        var (dataSource, tenant) = await SeedAsync();
        await using var _ = dataSource;
        var expected = new List<(string, DateTimeOffset, long)>();
        await using (var connection = await dataSource.OpenConnectionAsync(Cancel))
        await using (var command = new NpgsqlCommand(RawHistorySql, connection))
        {
            command.Parameters.AddWithValue("tenant", tenant);
            command.Parameters.AddWithValue("start", PeriodStart.UtcDateTime);
            command.Parameters.AddWithValue("end", PeriodEnd.UtcDateTime);
            await using var reader = await command.ExecuteReaderAsync(Cancel);
            while (await reader.ReadAsync(Cancel))
            {
                expected.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2)));
            }
        }

        var points = await UsageHistoryQuery.ReadAsync(dataSource, tenant, PeriodStart, PeriodEnd, Cancel);

        // The history is running (sums accumulate, max keeps its highest): compare each hour's own value.
        var hourly = points.GroupBy(p => p.Metric).SelectMany(g => g.Select((p, i) => (
            Metrics.Get(p.Metric).Key, p.At,
            Metrics.Get(p.Metric).Aggregation == MetricAggregation.Sum && i > 0 ? p.Cumulative - g.ElementAt(i - 1).Cumulative : p.Cumulative)));
        Assert.True(expected.Count > 10);
        Assert.Equal(
            expected.Where(e => e.Item1 != "storage_mb").OrderBy(e => e.Item1, StringComparer.Ordinal).ThenBy(e => e.Item2),
            hourly.Where(e => e.Item1 != "storage_mb").OrderBy(e => e.Item1, StringComparer.Ordinal).ThenBy(e => e.At));
        var storageRunningMax = expected.Where(e => e.Item1 == "storage_mb").Select(e => e.Item3).Aggregate(new List<long>(), (acc, v) => { acc.Add(Math.Max(acc.LastOrDefault(), v)); return acc; });
        Assert.Equal(storageRunningMax, points.Where(p => p.Metric == Metric.StorageMb).Select(p => p.Cumulative));
    }
}
