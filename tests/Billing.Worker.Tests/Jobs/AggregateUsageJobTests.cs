using Billing.Infrastructure.Metering;
using Billing.Testing;
using Billing.Worker.Jobs;
using Billing.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Billing.Worker.Tests.Jobs;

/// <summary>
/// The aggregation job lane by lane, composed as the worker composes it: a lane another run is folding is skipped (its
/// tenants wait for that run), every other lane is folded, and the lane's own job folds it once it is free.
/// </summary>
public sealed class AggregateUsageJobTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Minute = DateTimeOffset.UtcNow.AddHours(-1);
    private static readonly Guid[] Tenants = [.. Enumerable.Range(1, 24).Select(i => new Guid($"00000000-0000-4000-8000-{i:D12}"))];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static IHost Worker(TestDatabase database, string lanes) =>
        JobsHost.Build(database, new Dictionary<string, string> { ["Aggregation:Lanes"] = lanes });

    private static async Task RunAsync(IHost worker, Func<AggregateUsageJob, Task> run)
    {
        await using var scope = worker.Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<AggregateUsageJob>());
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Token))!;
    }

    [Fact]
    public async Task A_lane_held_by_another_run_is_skipped_and_its_own_job_folds_it_once_free()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using (var connection = new NpgsqlConnection(database.Superuser))
        {
            await connection.OpenAsync(Token);
            await UsageEventStore.InsertAsync(connection, null,
                [.. Tenants.SelectMany(t => Enumerable.Range(0, 5).Select(j => new NewUsageEvent(t, $"e{j}", "api_calls", 2, Minute.AddSeconds(j), Minute, null, null)))], Token);
        }

        const string InLaneTwo = "(hashtext(tenant_id::text) & 2147483647) % 3 = 2";
        var laneTwo = await ScalarAsync(database.Superuser, $"SELECT count(*) FROM usage_events WHERE {InLaneTwo}");
        using var worker = Worker(database, "3");
        await using var dataSource = NpgsqlDataSource.Create(database.Worker);
        var held = await new ExclusiveRun(dataSource, NullLogger<ExclusiveRun>.Instance).TryEnterAsync(AggregateUsageJob.LaneName(2), Token);

        await RunAsync(worker, job => job.RunAsync(Token));

        Assert.InRange(laneTwo, 1, Tenants.Length * 5 - 1);
        Assert.Equal(laneTwo, await ScalarAsync(database.Superuser, "SELECT count(*) FROM usage_events WHERE aggregated_at IS NULL"));
        Assert.Equal(laneTwo, await ScalarAsync(database.Superuser, $"SELECT count(*) FROM usage_events WHERE aggregated_at IS NULL AND {InLaneTwo}"));
        await RunAsync(worker, job => job.RunLaneAsync(2, Token));
        Assert.Equal(laneTwo, await ScalarAsync(database.Superuser, "SELECT count(*) FROM usage_events WHERE aggregated_at IS NULL"));

        await held!.DisposeAsync();
        await RunAsync(worker, job => job.RunLaneAsync(2, Token));

        Assert.Equal(0, await ScalarAsync(database.Superuser, "SELECT count(*) FROM usage_events WHERE aggregated_at IS NULL"));
        Assert.Equal(Tenants.Length * 5 * 2, await ScalarAsync(database.Superuser, "SELECT sum(value)::bigint FROM usage_aggregates"));
    }

    [Fact]
    public async Task A_lane_job_left_by_a_larger_setting_does_nothing()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using (var connection = new NpgsqlConnection(database.Superuser))
        {
            await connection.OpenAsync(Token);
            await UsageEventStore.InsertAsync(connection, null, [.. Tenants.Select(t => new NewUsageEvent(t, "e", "api_calls", 1, Minute, Minute, null, null))], Token);
        }

        using var worker = Worker(database, "2");
        await RunAsync(worker, job => job.RunLaneAsync(2, Token));

        Assert.Equal(Tenants.Length, await ScalarAsync(database.Superuser, "SELECT count(*) FROM usage_events WHERE aggregated_at IS NULL"));
    }
}
