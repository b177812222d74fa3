using Billing.Domain.Metering;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// One tenant's events that cannot be aggregated (a window past the period limit, a sum past bigint) are set aside with
/// their reason; every other event of the batch is aggregated in the same run, and later runs are not blocked.
/// </summary>
public sealed class AggregationSetAsideTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static NewUsageEvent Event(Guid tenant, string id, long value, string metric = "llm_tokens", int second = 0) =>
        new(tenant, id, metric, value, Minute.AddSeconds(second), Minute, null, null);

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection((await stores.CreateMigratedDatabaseAsync()).Superuser);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    /// <summary>Rows written straight into the table, as an older version (or a replica racing the limit) could leave them.</summary>
    private static Task InsertAsync(NpgsqlConnection connection, params NewUsageEvent[] events) =>
        UsageEventStore.InsertAsync(connection, null, events, TestContext.Current.CancellationToken);

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, Guid tenant)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("t", tenant);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<long> AggregatedAsync(NpgsqlConnection connection, Guid tenant) =>
        ScalarAsync(connection, "SELECT coalesce(sum(value), 0)::bigint FROM usage_aggregates WHERE tenant_id = @t", tenant);

    private static async Task<List<(string EventId, string Reason)>> SetAsideAsync(NpgsqlConnection connection, Guid tenant)
    {
        await using var command = new NpgsqlCommand(
            "SELECT event_id, set_aside_reason FROM usage_events WHERE tenant_id = @t AND set_aside_at IS NOT NULL AND aggregated_at IS NULL ORDER BY id", connection);
        command.Parameters.AddWithValue("t", tenant);
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    [Fact]
    public async Task A_window_driven_past_the_period_limit_sets_aside_only_the_event_that_crosses_it()
    {
        await using var connection = await OpenAsync();
        var abuser = Guid.NewGuid();
        var bystander = Guid.NewGuid();
        // 9,008 events at the per-event maximum in one minute: the window would hold 9.008e15, past 2^53 − 1.
        await InsertAsync(connection, [.. Enumerable.Range(0, 9_008).Select(i => Event(abuser, $"a{i:D5}", UsageEventRules.MaxValue, second: i % 60))]);
        await InsertAsync(connection, Event(bystander, "b1", 40), Event(bystander, "b2", 2, "api_calls"));

        var result = await UsageAggregator.RunBatchAsync(connection, 10_000, TestContext.Current.CancellationToken);

        Assert.Equal(9_009, result.Events);
        Assert.Equal(1, result.SetAside);
        Assert.Equal(42, await AggregatedAsync(connection, bystander));
        Assert.Equal(9_007 * UsageEventRules.MaxValue, await AggregatedAsync(connection, abuser));
        var (id, reason) = Assert.Single(await SetAsideAsync(connection, abuser));
        Assert.StartsWith("a", id);
        Assert.Contains("9,007,199,254,740,991", reason);
        Assert.Equal(TimeSpan.Zero, await UsageAggregator.LagAsync(connection, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sums_past_bigint_are_set_aside_and_later_batches_run_as_before()
    {
        await using var connection = await OpenAsync();
        var abuser = Guid.NewGuid();
        var bystander = Guid.NewGuid();
        // Rows no check let through: each alone too large for a window, and together past bigint.
        await InsertAsync(connection, Event(abuser, "huge-1", 5_000_000_000_000_000_000), Event(bystander, "b1", 7),
            Event(abuser, "huge-2", 5_000_000_000_000_000_000), Event(abuser, "fine", 3, "agent_executions"), Event(bystander, "b2", 8, "storage_mb"));

        var first = await UsageAggregator.RunBatchAsync(connection, 1000, TestContext.Current.CancellationToken);
        await InsertAsync(connection, Event(bystander, "b3", 5, second: 30));
        var second = await UsageAggregator.RunBatchAsync(connection, 1000, TestContext.Current.CancellationToken);

        Assert.Equal((3L, 2L), (first.Events, first.SetAside));
        Assert.Equal((1L, 0L), (second.Events, second.SetAside));
        Assert.Equal(20, await AggregatedAsync(connection, bystander));
        Assert.Equal(3, await AggregatedAsync(connection, abuser));
        Assert.Equal(["huge-1", "huge-2"], (await SetAsideAsync(connection, abuser)).Select(r => r.EventId));
        Assert.Equal(0, await ScalarAsync(connection, "SELECT count(*) FROM usage_events WHERE tenant_id = @t AND set_aside_at IS NOT NULL", bystander));
        Assert.Equal(TimeSpan.Zero, await UsageAggregator.LagAsync(connection, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_set_aside_batch_is_still_one_transaction_with_its_marks()
    {
        await using var connection = await OpenAsync();
        var abuser = Guid.NewGuid();
        var bystander = Guid.NewGuid();
        await InsertAsync(connection, Event(abuser, "huge", UsageEventRules.MaxPeriodTotal + 1), Event(bystander, "b1", 11));

        var result = await UsageAggregator.RunBatchAsync(connection, 1000, TestContext.Current.CancellationToken);

        // Every event is marked exactly once: aggregated, or set aside, never both and never neither.
        Assert.Equal((1L, 1L), (result.Events, result.SetAside));
        Assert.Equal(0, await ScalarAsync(connection,
            "SELECT count(*) FROM usage_events WHERE (aggregated_at IS NULL) = (set_aside_at IS NULL) AND tenant_id = @t", abuser));
        Assert.Equal(1, await ScalarAsync(connection, "SELECT sum(event_count) FROM usage_aggregates WHERE tenant_id = @t", bystander));
        Assert.Equal(0, (await UsageAggregator.RunBatchAsync(connection, 1000, TestContext.Current.CancellationToken)).Claimed);
    }
}
