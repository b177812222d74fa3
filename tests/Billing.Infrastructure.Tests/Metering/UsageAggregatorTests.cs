using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// Raw events become per-minute aggregates exactly once, whatever the interleaving of runs. The aggregation runs as the
/// worker's login; the events are stored beforehand by the tests' own (superuser) connection.
/// </summary>
public sealed class UsageAggregatorTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Tenant = Guid.NewGuid();

    private static NewUsageEvent Event(string id, string metric, long value, DateTimeOffset at) =>
        new(Tenant, id, metric, value, at, Minute, null, null);

    private static async Task InsertAsync(NpgsqlConnection connection, params NewUsageEvent[] events) =>
        await UsageEventStore.InsertAsync(connection, null, events, TestContext.Current.CancellationToken);

    private static async Task<Dictionary<(string Metric, DateTimeOffset Window), (long Value, int Count)>> AggregatesAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT metric, window_start, value, event_count FROM usage_aggregates", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new Dictionary<(string, DateTimeOffset), (long, int)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows[(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1))] = (reader.GetInt64(2), reader.GetInt32(3));
        }

        return rows;
    }

    private async Task<Connections> OpenAsync()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var connections = new Connections(new NpgsqlConnection(database.Worker), new NpgsqlConnection(database.Superuser));
        await connections.Worker.OpenAsync(TestContext.Current.CancellationToken);
        await connections.Superuser.OpenAsync(TestContext.Current.CancellationToken);
        return connections;
    }

    private sealed record Connections(NpgsqlConnection Worker, NpgsqlConnection Superuser) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Worker.DisposeAsync();
            await Superuser.DisposeAsync();
        }
    }

    [Fact]
    public async Task Counters_sum_storage_keeps_its_maximum_and_seats_their_latest_value_per_minute()
    {
        await using var db = await OpenAsync();
        await InsertAsync(db.Superuser,
            Event("t1", "llm_tokens", 100, Minute.AddSeconds(5)),
            Event("t2", "llm_tokens", 250, Minute.AddSeconds(50)),
            Event("t3", "llm_tokens", 7, Minute.AddMinutes(1)),
            Event("s1", "storage_mb", 900, Minute.AddSeconds(1)),
            Event("s2", "storage_mb", 400, Minute.AddSeconds(2)),
            Event("u1", "user_seats", 9, Minute.AddSeconds(30)),
            Event("u2", "user_seats", 4, Minute.AddSeconds(10)));

        var result = await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);
        var rows = await AggregatesAsync(db.Worker);

        Assert.Equal(7, result.Events);
        Assert.Equal((350L, 2), rows[("llm_tokens", Minute)]);
        Assert.Equal((7L, 1), rows[("llm_tokens", Minute.AddMinutes(1))]);
        Assert.Equal((900L, 2), rows[("storage_mb", Minute)]);
        Assert.Equal((9L, 2), rows[("user_seats", Minute)]);
    }

    [Fact]
    public async Task A_second_run_adds_nothing_and_later_events_fold_into_existing_windows()
    {
        await using var db = await OpenAsync();
        await InsertAsync(db.Superuser, Event("a", "api_calls", 3, Minute), Event("s", "user_seats", 5, Minute.AddSeconds(20)));
        await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);

        var again = await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);
        await InsertAsync(db.Superuser,
            Event("b", "api_calls", 4, Minute.AddSeconds(30)),
            Event("older-seat", "user_seats", 1, Minute.AddSeconds(10)),
            Event("newer-seat", "user_seats", 6, Minute.AddSeconds(40)));
        await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);
        var rows = await AggregatesAsync(db.Worker);

        Assert.Equal(0, again.Events);
        Assert.Equal((7L, 2), rows[("api_calls", Minute)]);
        Assert.Equal((6L, 3), rows[("user_seats", Minute)]);
    }

    [Fact]
    public async Task A_late_older_seat_report_does_not_replace_a_newer_one()
    {
        await using var db = await OpenAsync();
        await InsertAsync(db.Superuser, Event("new", "user_seats", 8, Minute.AddSeconds(50)));
        await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);
        await InsertAsync(db.Superuser, Event("old", "user_seats", 2, Minute.AddSeconds(5)));
        await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);

        Assert.Equal((8L, 2), (await AggregatesAsync(db.Worker))[("user_seats", Minute)]);
    }

    [Fact]
    public async Task Concurrent_runs_in_small_batches_count_every_event_exactly_once()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using (var connection = new NpgsqlConnection(database.Superuser))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await InsertAsync(connection, [.. Enumerable.Range(0, 2000).Select(i => Event($"e{i}", "api_calls", 1 + (i % 3), Minute.AddSeconds(i % 180)))]);
        }

        // Four workers racing in batches of 50: SKIP LOCKED hands each event to exactly one of them.
        var totals = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var connection = new NpgsqlConnection(database.Worker);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            long events = 0;
            UsageAggregator.Result batch;
            do
            {
                batch = await UsageAggregator.RunBatchAsync(connection, 50, TestContext.Current.CancellationToken);
                events += batch.Events;
            }
            while (batch.Events > 0);
            return events;
        }));

        await using var check = new NpgsqlConnection(database.Worker);
        await check.OpenAsync(TestContext.Current.CancellationToken);
        var rows = await AggregatesAsync(check);
        Assert.Equal(2000, totals.Sum());
        Assert.Equal(Enumerable.Range(0, 2000).Sum(i => 1 + (i % 3)), rows.Values.Sum(r => r.Value));
        Assert.Equal(2000, rows.Values.Sum(r => r.Count));
        Assert.Equal(TimeSpan.Zero, await UsageAggregator.LagAsync(check, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_run_that_fails_midway_leaves_nothing_marked_and_nothing_counted()
    {
        await using var db = await OpenAsync();
        await InsertAsync(db.Superuser, Event("x", "api_calls", 5, Minute));
        // The aggregate table refuses writes: the run's single statement fails as a crash mid-way would.
        await using (var block = new NpgsqlCommand("ALTER TABLE usage_aggregates ADD CONSTRAINT fail_all CHECK (false) NOT VALID", db.Superuser))
        {
            await block.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await Assert.ThrowsAsync<PostgresException>(() => UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken));
        await using (var unblock = new NpgsqlCommand("ALTER TABLE usage_aggregates DROP CONSTRAINT fail_all", db.Superuser))
        {
            await unblock.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using (var marked = new NpgsqlCommand("SELECT count(*) FROM usage_events WHERE aggregated_at IS NOT NULL", db.Superuser))
        {
            Assert.Equal(0L, await marked.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        var retry = await UsageAggregator.RunBatchAsync(db.Worker, 1000, TestContext.Current.CancellationToken);
        Assert.Equal(1, retry.Events);
        Assert.Equal((5L, 1), (await AggregatesAsync(db.Worker))[("api_calls", Minute)]);
    }
}
