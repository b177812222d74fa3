using Billing.Infrastructure.Tenancy;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// Aggregation split into lanes of tenants: a lane's run folds its own tenants' events and nobody else's, and runs of
/// different lanes at the same time fold every event exactly once between them.
/// </summary>
public sealed class TenantLanesTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    // Fixed ids, so which lane holds which tenant is the same on every run (each test has a database of its own).
    private static readonly Guid[] Tenants = [.. Enumerable.Range(1, 40).Select(i => new Guid($"00000000-0000-4000-8000-{i:D12}"))];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>50 events for each of 40 tenants, over three minutes: tenant i's event j is worth 1 + j % 3.</summary>
    private async Task<TestDatabase> SeedAsync()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Token);
        var events = Tenants.SelectMany(tenant => Enumerable.Range(0, 50)
            .Select(j => new NewUsageEvent(tenant, $"e{j}", "api_calls", 1 + j % 3, Minute.AddSeconds(j * 3), Minute, null, null)));
        await UsageEventStore.InsertAsync(connection, null, [.. events], Token);
        return database;
    }

    private static async Task<Dictionary<Guid, long>> FoldedPerTenantAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("SELECT tenant_id, sum(value)::bigint FROM usage_aggregates GROUP BY tenant_id", connection);
        await using var reader = await command.ExecuteReaderAsync(Token);
        var folded = new Dictionary<Guid, long>();
        while (await reader.ReadAsync(Token))
        {
            folded[reader.GetGuid(0)] = reader.GetInt64(1);
        }

        return folded;
    }

    /// <summary>The lane PostgreSQL puts a tenant in (the claim's own expression).</summary>
    private static async Task<int> LaneOfAsync(string connectionString, Guid tenant, int lanes)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("SELECT (hashtext(@t::text) & 2147483647) % @lanes", connection);
        command.Parameters.AddWithValue("t", tenant);
        command.Parameters.AddWithValue("lanes", lanes);
        return (int)(await command.ExecuteScalarAsync(Token))!;
    }

    private static async Task<long> FoldLaneAsync(string connectionString, TenantLane lane, int batchSize)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        long events = 0;
        UsageAggregator.Result batch;
        do
        {
            batch = await UsageAggregator.RunBatchAsync(connection, batchSize, Token, lane);
            events += batch.Events;
        }
        while (batch.Claimed == batchSize);
        return events;
    }

    [Fact]
    public async Task A_lane_folds_all_of_its_tenants_events_and_none_of_the_others()
    {
        var database = await SeedAsync();
        var lane = new TenantLane(1, 3);
        var inLane = new List<Guid>();
        foreach (var tenant in Tenants)
        {
            if (await LaneOfAsync(database.Superuser, tenant, 3) == 1)
            {
                inLane.Add(tenant);
            }
        }

        var events = await FoldLaneAsync(database.Worker, lane, 64);

        var folded = await FoldedPerTenantAsync(database.Superuser);
        Assert.InRange(inLane.Count, 1, Tenants.Length - 1);
        Assert.Equal(inLane.Count * 50, events);
        Assert.Equal(inLane.OrderBy(t => t), folded.Keys.OrderBy(t => t));
        Assert.All(folded.Values, sum => Assert.Equal(Enumerable.Range(0, 50).Sum(j => 1 + j % 3), sum));
    }

    [Fact]
    public async Task Lanes_folded_at_the_same_time_fold_every_event_once_between_them()
    {
        var database = await SeedAsync();

        var perLane = await Task.WhenAll(TenantLane.Of(4).Select(lane => FoldLaneAsync(database.Worker, lane, 37)));

        var folded = await FoldedPerTenantAsync(database.Superuser);
        Assert.Equal(Tenants.Length * 50, perLane.Sum());
        Assert.All(perLane, events => Assert.True(events > 0, "every lane of 40 tenants holds some"));
        Assert.Equal(Tenants.OrderBy(t => t), folded.Keys.OrderBy(t => t));
        Assert.All(folded.Values, sum => Assert.Equal(Enumerable.Range(0, 50).Sum(j => 1 + j % 3), sum));
        await using var check = new NpgsqlConnection(database.Worker);
        await check.OpenAsync(Token);
        Assert.Equal(TimeSpan.Zero, await UsageAggregator.LagAsync(check, Token));
    }
}
