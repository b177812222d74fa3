using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>The insert tells exactly which events were new, whether all, some or none of them were.</summary>
public sealed class UsageEventStoreTests(DataStoresFixture stores)
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static NewUsageEvent Event(string id) => new(Tenant, id, "api_calls", 1, At, At, null, null);

    [Fact]
    public async Task An_insert_reports_all_some_or_none_of_its_events_as_new()
    {
        await using var connection = new NpgsqlConnection(await stores.CreateMigratedDatabaseAsync());
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        var all = await UsageEventStore.InsertAsync(connection, null, [Event("a"), Event("b")], TestContext.Current.CancellationToken);
        var some = await UsageEventStore.InsertAsync(connection, null, [Event("b"), Event("c"), Event("a"), Event("d")], TestContext.Current.CancellationToken);
        var none = await UsageEventStore.InsertAsync(connection, null, [Event("c"), Event("d")], TestContext.Current.CancellationToken);

        Assert.Equal(2, all.Count);
        Assert.True(all.Contains((Tenant, "a")) && all.Contains((Tenant, "b")));
        Assert.Equal(2, some.Count);
        Assert.Equal([false, true, false, true], new[] { "b", "c", "a", "d" }.Select(id => some.Contains((Tenant, id))));
        Assert.Equal(0, none.Count);
        Assert.False(none.Contains((Tenant, "c")) || none.Contains((Tenant, "d")));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_events", connection);
        Assert.Equal(4L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
