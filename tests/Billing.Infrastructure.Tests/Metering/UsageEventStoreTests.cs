using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// Both writes (the deduplicating insert, and the <c>COPY</c> that falls back to it) tell exactly which events were
/// new, whether all, some or none of them were, and store each event once with all its columns.
/// </summary>
public sealed class UsageEventStoreTests(DataStoresFixture stores)
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Writes => ["insert", "copy"];

    private static NewUsageEvent Event(string id) => new(Tenant, id, "api_calls", 1, At, At, null, null);

    private static Task<InsertedEvents> WriteAsync(string write, NpgsqlConnection connection, IReadOnlyList<NewUsageEvent> events) =>
        write == "copy"
            ? UsageEventStore.CopyOrInsertAsync(connection, events, TestContext.Current.CancellationToken)
            : UsageEventStore.InsertAsync(connection, null, events, TestContext.Current.CancellationToken);

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_write_reports_all_some_or_none_of_its_events_as_new(string write)
    {
        await using var connection = new NpgsqlConnection(await stores.CreateMigratedDatabaseAsync());
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        var all = await WriteAsync(write, connection, [Event("a"), Event("b")]);
        var some = await WriteAsync(write, connection, [Event("b"), Event("c"), Event("a"), Event("d")]);
        var none = await WriteAsync(write, connection, [Event("c"), Event("d")]);

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
    public async Task A_write_stores_every_column_of_the_event(string write)
    {
        await using var connection = new NpgsqlConnection(await stores.CreateMigratedDatabaseAsync());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var occurred = new DateTimeOffset(2026, 11, 25, 11, 30, 15, 250, TimeSpan.FromHours(2));
        NewUsageEvent[] events =
        [
            new(Tenant, "with-all", "llm_tokens", 1_000_000_000_000, occurred, At, """{"model": "m1", "n": 2}""", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            new(Tenant, "bare", "api_calls", 0, At, At, null, null),
        ];

        var stored = await WriteAsync(write, connection, events);

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
}
