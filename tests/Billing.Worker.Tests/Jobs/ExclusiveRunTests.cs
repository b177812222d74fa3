using System.Reflection;
using Billing.Testing;
using Billing.Worker.Jobs;
using Hangfire;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Billing.Worker.Tests.Jobs;

/// <summary>
/// Recurring jobs run one at a time across workers under a lock that dies with its holder, and a run that finds it
/// taken ends at once instead of queueing; each job says how Hangfire retries it.
/// </summary>
public sealed class ExclusiveRunTests(DataStoresFixture stores)
{
    private static readonly Type[] RecurringJobs =
        [typeof(HeartbeatJob), typeof(AggregateUsageJob), typeof(SubmitUsageJob), typeof(ReconcileUsageJob), typeof(DetectAlertsJob), typeof(DeliverAlertsJob), typeof(ExpireEventIdsJob)];

    [Fact]
    public async Task A_second_run_finds_the_lock_taken_and_the_next_run_after_release_gets_it()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.Worker);
        var exclusive = new ExclusiveRun(dataSource, NullLogger<ExclusiveRun>.Instance);

        var first = await exclusive.TryEnterAsync("aggregate-usage", TestContext.Current.CancellationToken);
        var second = await exclusive.TryEnterAsync("aggregate-usage", TestContext.Current.CancellationToken);
        var otherJob = await exclusive.TryEnterAsync("submit-usage", TestContext.Current.CancellationToken);
        await first!.DisposeAsync();
        var afterRelease = await exclusive.TryEnterAsync("aggregate-usage", TestContext.Current.CancellationToken);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.NotNull(otherJob);
        Assert.NotNull(afterRelease);
        await otherJob!.DisposeAsync();
        await afterRelease!.DisposeAsync();
    }

    [Fact]
    public async Task A_worker_killed_mid_run_leaves_no_lock_behind()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.Worker);
        var exclusive = new ExclusiveRun(dataSource, NullLogger<ExclusiveRun>.Instance);
        var held = await exclusive.TryEnterAsync("aggregate-usage", TestContext.Current.CancellationToken);

        // The holder's process dies: PostgreSQL loses its connection (here ended from outside, as a kill -9 ends it).
        await using (var admin = new NpgsqlConnection(database.Superuser))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", admin);
            Assert.Equal(1L, await terminate.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        NpgsqlConnection.ClearAllPools();
        var next = await exclusive.TryEnterAsync("aggregate-usage", TestContext.Current.CancellationToken);

        Assert.NotNull(held);
        Assert.NotNull(next);
        await next!.DisposeAsync();
    }

    [Fact]
    public void Every_recurring_job_chooses_its_retries_and_none_takes_hangfires_lock()
    {
        // Read as metadata: constructing Hangfire's attributes reaches for its global logger.
        static CustomAttributeData? Find<TAttribute>(Type job) =>
            job.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Instance)!.CustomAttributes.SingleOrDefault(a => a.AttributeType == typeof(TAttribute));

        foreach (var job in RecurringJobs)
        {
            Assert.True(Find<AutomaticRetryAttribute>(job) is not null, $"{job.Name} inherits Hangfire's 10 retries");
            Assert.True(Find<DisableConcurrentExecutionAttribute>(job) is null, $"{job.Name} queues behind a lock row that outlives a killed worker");
        }

        var aggregation = Find<AutomaticRetryAttribute>(typeof(AggregateUsageJob))!.NamedArguments.Single(a => a.MemberName == "Attempts");
        Assert.Equal(0, aggregation.TypedValue.Value);
    }
}
