using Billing.Infrastructure.Metering;
using Billing.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// The group commit holds a request for company at most one window from its arrival, and answers every request it
/// took, even when it stops with requests still waiting.
/// </summary>
public sealed class UsageIngestionQueueTests(DataStoresFixture stores)
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static NewUsageEvent[] Event(string id) => [new(Tenant, id, "api_calls", 1, At, At, null, null)];

    [Fact]
    public async Task A_request_that_waited_out_the_window_behind_a_busy_writer_commits_as_soon_as_the_writer_is_free()
    {
        var ct = TestContext.Current.CancellationToken;
        var window = TimeSpan.FromSeconds(3);
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var provider = Services(database, window);
        var queue = provider.GetRequiredService<UsageIngestionQueue>();
        await queue.StartAsync(ct);
        await using var holder = new NpgsqlConnection(database.Superuser);
        await holder.OpenAsync(ct);
        var hold = await holder.BeginTransactionAsync(ct);
        await new NpgsqlCommand("LOCK TABLE usage_events IN EXCLUSIVE MODE", holder, hold).ExecuteNonQueryAsync(ct);

        // The first group waits out its window, then waits on the held table; the second request queues behind it for
        // longer than a window.
        var first = queue.SubmitAsync(Event("first"), CancellationToken.None);
        await WaitForLockWaitAsync(database.Superuser);
        var second = queue.SubmitAsync(Event("second"), CancellationToken.None);
        await Task.Delay(window + TimeSpan.FromSeconds(0.5), ct);
        await hold.RollbackAsync(ct);
        var released = System.Diagnostics.Stopwatch.StartNew();

        Assert.Equal(1, (await first.WaitAsync(TimeSpan.FromSeconds(30), ct)).Accepted);
        Assert.Equal(1, (await second.WaitAsync(TimeSpan.FromSeconds(30), ct)).Accepted);
        // Held for a window counted from when the writer got free, it would have committed a full window after the release.
        Assert.True(released.Elapsed < window, $"the second request committed {released.Elapsed} after the writer was free");
        await queue.StopAsync(ct);
    }

    [Fact]
    public async Task Requests_still_waiting_when_the_queue_stops_are_refused_and_nothing_of_them_is_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var provider = Services(database, TimeSpan.FromMilliseconds(1));
        var queue = provider.GetRequiredService<UsageIngestionQueue>();
        await queue.StartAsync(ct);
        var committed = await queue.SubmitAsync(Event("before"), ct);

        // The table held: the only writer's next group waits inside PostgreSQL, and the requests after it wait in the queue.
        await using var holder = new NpgsqlConnection(database.Superuser);
        await holder.OpenAsync(ct);
        await using var hold = await holder.BeginTransactionAsync(ct);
        await new NpgsqlCommand("LOCK TABLE usage_events IN EXCLUSIVE MODE", holder, hold).ExecuteNonQueryAsync(ct);
        var inFlight = queue.SubmitAsync(Event("in-flight"), CancellationToken.None);
        await WaitForLockWaitAsync(database.Superuser);
        var waiting = Enumerable.Range(0, 5).Select(i => queue.SubmitAsync(Event($"waiting-{i}"), CancellationToken.None)).ToArray();

        await queue.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await hold.RollbackAsync(ct);

        Assert.Equal(1, committed.Accepted);
        foreach (var request in waiting.Prepend(inFlight))
        {
            await Assert.ThrowsAsync<UsageStoreUnavailableException>(() => request.WaitAsync(TimeSpan.FromSeconds(10), ct));
        }

        await Assert.ThrowsAsync<UsageStoreUnavailableException>(() => queue.SubmitAsync(Event("after"), ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        await using var stored = new NpgsqlConnection(database.Superuser);
        await stored.OpenAsync(ct);
        await using var ids = new NpgsqlCommand("SELECT array_agg(event_id) FROM usage_events", stored);
        Assert.Equal(["before"], (string[])(await ids.ExecuteScalarAsync(ct))!);
    }

    /// <summary>The queue as the API composes it, on the API's login.</summary>
    private ServiceProvider Services(TestDatabase database, TimeSpan window)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(_ => NpgsqlDataSource.Create(database.Api));
        services.AddSingleton(_ => new IngestionDataSource(database.Api));
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(stores.Redis.ConnectionString));
        services.AddSingleton<StaleCounters>();
        services.AddSingleton<UsageCounters>();
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton(Options.Create(new IngestionOptions { Writers = 1, GroupCommitWindowMs = (int)window.TotalMilliseconds }));
        services.AddSingleton<UsageIngestionQueue>();
        return services.BuildServiceProvider();
    }

    private static async Task WaitForLockWaitAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var waits = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'usage_events'::regclass", connection);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await waits.ExecuteScalarAsync(TestContext.Current.CancellationToken))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the writer never waited on the held table");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
