using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// Both writes of the group commit (the deduplicating insert by tenant, and the <c>COPY</c> that falls back to it), run on
/// the API's login as the group commit runs them, tell exactly which events were new, whether all, some or none of them
/// were, and store each event once with all its columns.
/// </summary>
public sealed class UsageEventStoreTests(DataStoresFixture stores)
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Writes => ["insert", "copy"];

    private static NewUsageEvent Event(string id, Guid? tenant = null) => new(tenant ?? Tenant, id, "api_calls", 1, At, At, null, null);

    /// <summary>The API's connections to a fresh database (its own, the group commit's), and the tests' own.</summary>
    private sealed record Connections(NpgsqlConnection Api, IngestionDataSource Ingestion, NpgsqlConnection Superuser) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Api.DisposeAsync();
            await Ingestion.DisposeAsync();
            await Superuser.DisposeAsync();
        }
    }

    private async Task<Connections> OpenAsync() => await OpenAsync(await stores.CreateMigratedDatabaseAsync());

    private static async Task<Connections> OpenAsync(TestDatabase database)
    {
        var connections = new Connections(new NpgsqlConnection(database.Api), new IngestionDataSource(database.Api), new NpgsqlConnection(database.Superuser));
        await connections.Api.OpenAsync(TestContext.Current.CancellationToken);
        await connections.Superuser.OpenAsync(TestContext.Current.CancellationToken);
        return connections;
    }

    private static async Task<InsertedEvents> WriteAsync(string write, Connections connections, IReadOnlyList<NewUsageEvent> events)
    {
        if (write == "copy")
        {
            await using var copying = await connections.Ingestion.OpenConnectionAsync(TestContext.Current.CancellationToken);
            if (await UsageEventStore.TryCopyAsync(copying, events, TestContext.Current.CancellationToken) is { } copied)
            {
                return copied;
            }
        }

        return await UsageEventStore.InsertByTenantAsync(connections.Api, events, TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_write_reports_all_some_or_none_of_its_events_as_new(string write)
    {
        await using var connections = await OpenAsync();
        var connection = connections.Superuser;

        var all = await WriteAsync(write, connections, [Event("a"), Event("b")]);
        var some = await WriteAsync(write, connections, [Event("b"), Event("c"), Event("a"), Event("d")]);
        var none = await WriteAsync(write, connections, [Event("c"), Event("d")]);

        Assert.Equal(2, all.Count);
        Assert.True(all.Contains((Tenant, "a")) && all.Contains((Tenant, "b")));
        Assert.Equal(2, some.Count);
        Assert.Equal([false, true, false, true], new[] { "b", "c", "a", "d" }.Select(id => some.Contains((Tenant, id))));
        Assert.Equal(0, none.Count);
        Assert.False(none.Contains((Tenant, "c")) || none.Contains((Tenant, "d")));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_events", connection);
        Assert.Equal(4L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Events_are_stored_in_the_order_given_which_orders_events_of_equal_time(string write)
    {
        await using var connections = await OpenAsync();
        string[] ids = ["z", "a", "m", "b", "y"];

        await WriteAsync(write, connections, [Event("a")]);
        await WriteAsync(write, connections, [.. ids.Select(id => Event(id))]);

        await using var stored = new NpgsqlCommand("SELECT array_agg(event_id ORDER BY id) FROM usage_events", connections.Superuser);
        Assert.Equal(["a", "z", "m", "b", "y"], (string[])(await stored.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task An_id_past_its_retention_is_accepted_again_and_one_within_it_is_still_a_duplicate(string write)
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connections = await OpenAsync(database);
        await WriteAsync(write, connections, [Event("old"), Event("recent")]);
        await using (var age = new NpgsqlCommand(
            "UPDATE usage_event_ids SET received_at = now() - interval '46 days' WHERE event_id = 'old'", connections.Superuser))
        {
            await age.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // As the worker's expiry job runs it, with the default retention of 45 days.
        await using var worker = new NpgsqlConnection(database.Worker);
        await worker.OpenAsync(TestContext.Current.CancellationToken);
        var cutoff = DateTimeOffset.UtcNow - new EventIdRetentionOptions().Retention;
        var expired = await EventIdExpiry.DeleteBatchAsync(worker, cutoff, EventIdExpiry.BatchSize, TestContext.Current.CancellationToken);
        var again = await WriteAsync(write, connections, [Event("old"), Event("recent")]);

        Assert.Equal(1, expired);
        Assert.Equal(1, again.Count);
        Assert.True(again.Contains((Tenant, "old")));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_events", connections.Superuser);
        Assert.Equal(3L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_expiry_deletes_in_bounded_batches_until_none_is_left()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connections = await OpenAsync(database);
        await WriteAsync("copy", connections, [.. Enumerable.Range(0, 25).Select(i => Event($"e{i}"))]);
        await using (var age = new NpgsqlCommand("UPDATE usage_event_ids SET received_at = now() - interval '50 days'", connections.Superuser))
        {
            await age.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var worker = new NpgsqlConnection(database.Worker);
        await worker.OpenAsync(TestContext.Current.CancellationToken);
        var batches = new List<int>();
        int batch;
        do
        {
            batches.Add(batch = await EventIdExpiry.DeleteBatchAsync(worker, DateTimeOffset.UtcNow.AddDays(-45), 10, TestContext.Current.CancellationToken));
        }
        while (batch == 10);

        Assert.Equal([10, 10, 5], batches);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_event_ids", connections.Superuser);
        Assert.Equal(0L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_write_stores_every_column_of_the_event(string write)
    {
        await using var connections = await OpenAsync();
        var connection = connections.Superuser;
        var occurred = new DateTimeOffset(2026, 11, 25, 11, 30, 15, 250, TimeSpan.FromHours(2));
        NewUsageEvent[] events =
        [
            new(Tenant, "with-all", "llm_tokens", 1_000_000_000_000, occurred, At, """{"model": "m1", "n": 2}""", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            new(Tenant, "bare", "api_calls", 0, At, At, null, null),
        ];

        var stored = await WriteAsync(write, connections, events);

        Assert.Equal(2, stored.Count);
        await using var read = new NpgsqlCommand("""
            SELECT tenant_id, metric, value, occurred_at, properties->>'model', (properties->>'n')::int, trace_parent,
                   aggregated_at IS NULL, received_at > now() - interval '1 minute'
            FROM usage_events ORDER BY event_id DESC
            """, connection);
        await using var rows = await read.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await rows.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(
            (Tenant, "llm_tokens", 1_000_000_000_000L, occurred.UtcDateTime, "m1", 2, events[0].TraceParent, true, true),
            (rows.GetGuid(0), rows.GetString(1), rows.GetInt64(2), rows.GetDateTime(3), rows.GetString(4), rows.GetInt32(5), rows.GetString(6), rows.GetBoolean(7), rows.GetBoolean(8)));
        Assert.True(await rows.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(("api_calls", 0L, At.UtcDateTime, true, true, true), (rows.GetString(1), rows.GetInt64(2), rows.GetDateTime(3), rows.IsDBNull(4), rows.IsDBNull(6), rows.GetBoolean(7)));
        Assert.False(await rows.ReadAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_insert_by_tenant_tells_each_tenants_new_events_apart_in_one_group()
    {
        await using var connections = await OpenAsync();
        var connection = connections.Superuser;
        Guid[] tenants = [.. new[] { Guid.NewGuid(), Guid.NewGuid() }.Order()];
        await WriteAsync("insert", connections, [Event("seen", tenants[0]), Event("seen", tenants[1])]);

        var group = await WriteAsync("copy", connections, [Event("new", tenants[0]), Event("seen", tenants[0]), Event("seen", tenants[1]), Event("new", tenants[1])]);

        Assert.Equal(2, group.Count);
        Assert.Equal([true, false, false, true], new[] { (tenants[0], "new"), (tenants[0], "seen"), (tenants[1], "seen"), (tenants[1], "new") }.Select(group.Contains));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_events", connection);
        Assert.Equal(4L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_insert_by_tenant_stores_nothing_when_one_tenants_events_are_refused()
    {
        await using var connections = await OpenAsync();
        var connection = connections.Superuser;
        Guid[] tenants = [.. new[] { Guid.NewGuid(), Guid.NewGuid() }.Order()];

        // The second tenant's id is longer than the column: PostgreSQL refuses its insert after the first tenant's went in.
        await Assert.ThrowsAsync<PostgresException>(() => UsageEventStore.InsertByTenantAsync(
            connections.Api, [Event("fine", tenants[0]), Event(new string('x', 101), tenants[1])], TestContext.Current.CancellationToken));

        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_events", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
