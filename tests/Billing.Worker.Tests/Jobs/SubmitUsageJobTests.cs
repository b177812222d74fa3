using System.Net.Http.Json;
using Billing.Api.Tests.Stripe;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data.Entities;
using Billing.Testing;
using Billing.Worker.Health;
using Billing.Worker.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using static Billing.Worker.Tests.Support.Pipeline;

namespace Billing.Worker.Tests.Jobs;

/// <summary>
/// Usage accepted is billed once: Σ accepted events = Σ aggregates = Σ meter events at Stripe, through concurrency,
/// duplicates, late events, crashes between any two steps, failing Stripe calls and the high-volume stream.
/// </summary>
public sealed class SubmitUsageJobTests(StripeSystem system, DataStoresFixture stores) : IClassFixture<StripeSystem>
{
    private static readonly string[] Counters = ["llm_tokens", "api_calls", "agent_executions"];

    [Fact]
    public async Task After_concurrent_ingestion_with_duplicates_every_ledger_agrees_with_stripe()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        // 600 events in 60 requests from 8 clients; ids repeat across requests (every fourth event is a replay).
        var requests = Enumerable.Range(0, 60).Select(r => Enumerable.Range(0, 10).Select(i =>
        {
            var n = (r * 10) + i;
            var original = n % 4 == 3 ? n - 3 : n;
            return Event($"e{original}", Counters[original % 3], (original % 7) + 1);
        }).ToArray()).ToList();
        var gauges = new[] { Event("s1", "storage_mb", 700), Event("s2", "storage_mb", 900), Event("s3", "storage_mb", 400), Event("u1", "user_seats", 12) };
        var answers = new System.Collections.Concurrent.ConcurrentBag<(int Accepted, int Duplicates)>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (events, _) =>
        {
            var answer = await system.IngestAsync(tenant.Key, events);
            answers.Add((answer.GetProperty("accepted").GetInt32(), answer.GetProperty("duplicates").GetInt32()));
        });
        await system.IngestAsync(tenant.Key, gauges);

        await worker.AggregateAsync();
        await worker.SubmitAsync();
        var submissions = await system.SubmissionsAsync(tenant.TenantId);

        Assert.Equal(450, answers.Sum(a => a.Accepted));
        Assert.Equal(150, answers.Sum(a => a.Duplicates));
        long total = 0;
        foreach (var metric in Counters)
        {
            var (events, aggregates, sent, unsent) = await system.LedgersAsync(tenant.TenantId, metric);
            Assert.True(events > 0);
            Assert.Equal(events, aggregates);
            Assert.Equal(events, sent);
            Assert.Equal(0, unsent);
            Assert.Equal(events, await system.AtStripeAsync(tenant.CustomerId, metric, tenant.Anchor));
            total += events;
        }

        Assert.Equal(Enumerable.Range(0, 600).Where(n => n % 4 != 3).Sum(n => (n % 7) + 1), total);
        Assert.Equal(900m, await system.AtStripeAsync(tenant.CustomerId, "storage_mb", tenant.Anchor));
        Assert.Equal(12m, await system.AtStripeAsync(tenant.CustomerId, "user_seats", tenant.Anchor));
        Assert.All(submissions, s => Assert.Equal(SubmissionStatus.Sent, s.Status));
        Assert.Equal(submissions.Count, submissions.Select(s => s.Identifier).Distinct().Count());

        // A second run finds nothing new: the ledger already holds every unit.
        await worker.AggregateAsync();
        await worker.SubmitAsync();
        Assert.Equal(submissions.Count, (await system.SubmissionsAsync(tenant.TenantId)).Count);
    }

    [Fact]
    public async Task A_late_event_for_a_submitted_bucket_is_sent_as_a_revision_carrying_only_the_difference()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        var at = DateTimeOffset.UtcNow;
        await system.IngestAsync(tenant.Key, Event("first", "llm_tokens", 1_000, at.AddSeconds(1)));
        await worker.AggregateAsync();
        await worker.SubmitAsync();

        await system.IngestAsync(tenant.Key, Event("late", "llm_tokens", 234, at));
        await worker.AggregateAsync();
        await worker.SubmitAsync();

        var rows = await system.SubmissionsAsync(tenant.TenantId);
        Assert.Equal([(0, 1_000L), (1, 234L)], rows.Select(r => (r.Revision, r.Value)));
        Assert.Equal(rows[0].BucketStart, rows[1].BucketStart);
        Assert.Equal(rows[0].EventTimestamp, rows[1].EventTimestamp);
        Assert.Equal(1_234m, await system.AtStripeAsync(tenant.CustomerId, "llm_tokens", tenant.Anchor));
    }

    [Fact]
    public async Task Stopped_between_the_stripe_call_and_marking_it_sent_the_resend_is_counted_once()
    {
        var tenant = await system.SubscribeAsync();
        var traffic = new StripeTraffic();
        await using var worker = WorkerSeeing(traffic);
        await system.IngestAsync(tenant.Key, Event("a", "agent_executions", 42));
        await worker.AggregateAsync();

        traffic.CrashAfterCallContaining = tenant.CustomerId;
        await Assert.ThrowsAsync<SimulatedCrashException>(worker.SubmitAsync);
        var afterCrash = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));
        var countedBeforeRestart = await system.AtStripeAsync(tenant.CustomerId, "agent_executions", tenant.Anchor);

        await worker.SubmitAsync();
        var afterRestart = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));

        Assert.Equal((SubmissionStatus.Pending, 1), (afterCrash.Status, afterCrash.Attempts));
        Assert.Equal(42m, countedBeforeRestart);
        Assert.Equal((SubmissionStatus.Sent, 2, afterCrash.Identifier), (afterRestart.Status, afterRestart.Attempts, afterRestart.Identifier));
        Assert.Equal(42m, await system.AtStripeAsync(tenant.CustomerId, "agent_executions", tenant.Anchor));
        Assert.True(traffic.Requests("/v1/billing/meter_events") >= 2);
    }

    [Fact]
    public async Task A_row_unconfirmed_past_the_dedup_window_that_stripe_counted_is_marked_sent_without_a_resend()
    {
        var tenant = await system.SubscribeAsync();
        var traffic = new StripeTraffic();
        await using var worker = WorkerSeeing(traffic);
        await system.IngestAsync(tenant.Key, Event("counted", "agent_executions", 42));
        await worker.AggregateAsync();
        traffic.CrashAfterCallContaining = tenant.CustomerId;
        await Assert.ThrowsAsync<SimulatedCrashException>(worker.SubmitAsync);

        // A day later Stripe no longer deduplicates the identifier: a resend would be counted again.
        worker.Clock.Advance(TimeSpan.FromHours(24));
        await worker.SubmitAsync();

        var row = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));
        Assert.Equal((SubmissionStatus.Sent, 1), (row.Status, row.Attempts));
        Assert.Equal(1, traffic.Requests("/v1/billing/meter_events"));
        Assert.Equal(42m, await system.AtStripeAsync(tenant.CustomerId, "agent_executions", tenant.Anchor));
    }

    [Fact]
    public async Task Two_rows_of_a_bucket_unconfirmed_past_the_dedup_window_are_never_guessed_sent_and_the_undecidable_one_is_failed_for_the_operator()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        var at = DateTimeOffset.UtcNow;
        await system.IngestAsync(tenant.Key, Event("a", "api_calls", 30, at));
        await worker.AggregateAsync();
        await FailMeterEventsAsync();
        await worker.SubmitAsync();
        await system.IngestAsync(tenant.Key, Event("b", "api_calls", 30, at));
        await worker.AggregateAsync();
        worker.Clock.Advance(TimeSpan.FromSeconds(30));
        await worker.SubmitAsync();
        // As a sender without the one-at-a-time rule left them: both revisions attempted, neither confirmed nor at Stripe.
        await using (var connection = new NpgsqlConnection(system.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var attempted = new NpgsqlCommand("UPDATE meter_submissions SET attempts = 1, first_attempt_at = @at WHERE tenant_id = @t AND revision = 1", connection);
            attempted.Parameters.AddWithValue("at", worker.Clock.GetUtcNow().UtcDateTime);
            attempted.Parameters.AddWithValue("t", tenant.TenantId);
            await attempted.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        worker.Clock.Advance(TimeSpan.FromHours(24));
        await worker.SubmitAsync();
        worker.Clock.Advance(TimeSpan.FromMinutes(5));
        await worker.SubmitAsync();

        var rows = await system.SubmissionsAsync(tenant.TenantId);
        Assert.Equal([(0, SubmissionStatus.Failed), (1, SubmissionStatus.Sent)], rows.Select(r => (r.Revision, r.Status)));
        Assert.Contains("does not tell whether it was counted", rows[0].LastError, StringComparison.Ordinal);
        Assert.Equal(30m, await system.AtStripeAsync(tenant.CustomerId, "api_calls", tenant.Anchor));
    }

    [Fact]
    public async Task A_revision_waits_while_an_earlier_one_of_its_bucket_is_unconfirmed_so_only_what_stripe_counted_is_marked_sent()
    {
        var tenant = await system.SubscribeAsync();
        var traffic = new StripeTraffic();
        await using var worker = WorkerSeeing(traffic);
        var at = DateTimeOffset.UtcNow;
        await system.IngestAsync(tenant.Key, Event("first", "llm_tokens", 70, at));
        await worker.AggregateAsync();
        // Revision 0 never reaches Stripe.
        await FailMeterEventsAsync();
        await worker.SubmitAsync();
        var revision0 = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));
        await system.IngestAsync(tenant.Key, Event("late", "llm_tokens", 100, at));
        await worker.AggregateAsync();
        // Whenever revision 1 is sent, Stripe counts it and the worker dies before marking it.
        traffic.CrashAfterCallContaining = MeterBuckets.Identifier(tenant.TenantId, "llm_tokens", revision0.BucketStart, 1);

        // Runs while revision 0 backs off, then a day later (past Stripe's deduplication of both), then every 5 minutes.
        foreach (var advance in new[] { TimeSpan.FromSeconds(30), TimeSpan.FromHours(24), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5) })
        {
            worker.Clock.Advance(advance);
            await SubmitSurvivingCrashAsync(worker);
        }

        var rows = await system.SubmissionsAsync(tenant.TenantId);
        Assert.Equal([(0, 70L, SubmissionStatus.Sent), (1, 100L, SubmissionStatus.Sent)], rows.Select(r => (r.Revision, r.Value, r.Status)));
        Assert.Equal((170L, 170L, 170L, 0), await system.LedgersAsync(tenant.TenantId, "llm_tokens"));
        Assert.Equal(170m, await system.AtStripeAsync(tenant.CustomerId, "llm_tokens", tenant.Anchor));
        Assert.Null(traffic.CrashAfterCallContaining);
    }

    [Fact]
    public async Task Stopped_while_closing_buckets_nothing_is_written_and_the_next_run_closes_them_once()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(tenant.Key, Event("x1", "api_calls", 5), Event("x2", "api_calls", 6));
        await worker.AggregateAsync();

        // Hold the tenant's windows so the closing transaction waits inside, then kill its backend there.
        await using var holder = new NpgsqlConnection(system.ConnectionString);
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        await using var hold = await holder.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var lockRows = new NpgsqlCommand("SELECT 1 FROM usage_aggregates WHERE tenant_id = @t FOR UPDATE", holder, hold))
        {
            lockRows.Parameters.AddWithValue("t", tenant.TenantId);
            await lockRows.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var closing = worker.SubmitAsync();
        await KillBackendWaitingOnAsync(holder, hold, "submission_pending");
        await Assert.ThrowsAnyAsync<Exception>(() => closing);
        await hold.CommitAsync(TestContext.Current.CancellationToken);
        var afterKill = await system.SubmissionsAsync(tenant.TenantId);
        var stillFlagged = await FlaggedWindowsAsync(tenant.TenantId);

        await worker.SubmitAsync();

        Assert.Empty(afterKill);
        Assert.True(stillFlagged > 0);
        Assert.Equal(11L, Assert.Single(await system.SubmissionsAsync(tenant.TenantId)).Value);
        Assert.Equal(0, await FlaggedWindowsAsync(tenant.TenantId));
        Assert.Equal(11m, await system.AtStripeAsync(tenant.CustomerId, "api_calls", tenant.Anchor));
    }

    [Fact]
    public async Task Stripe_failing_leaves_the_row_pending_with_backoff_until_a_later_run_sends_it()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(tenant.Key, Event("f1", "llm_tokens", 77));
        await worker.AggregateAsync();
        await FailMeterEventsAsync();

        await worker.SubmitAsync();
        var failed = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));
        worker.Clock.Advance(TimeSpan.FromSeconds(30));
        await worker.SubmitAsync();
        var notYetDue = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));
        worker.Clock.Advance(TimeSpan.FromMinutes(1));
        await worker.SubmitAsync();
        var sent = Assert.Single(await system.SubmissionsAsync(tenant.TenantId));

        Assert.Equal((SubmissionStatus.Pending, 1), (failed.Status, failed.Attempts));
        Assert.Contains("500", failed.LastError);
        Assert.Equal(failed.CreatedAt + TimeSpan.FromMinutes(1), failed.NextAttemptAt);
        Assert.Equal((SubmissionStatus.Pending, 1), (notYetDue.Status, notYetDue.Attempts));
        Assert.Equal((SubmissionStatus.Sent, 2), (sent.Status, sent.Attempts));
        Assert.Equal(77m, await system.AtStripeAsync(tenant.CustomerId, "llm_tokens", tenant.Anchor));
    }

    [Fact]
    public async Task A_lane_submits_only_its_tenants_and_lanes_run_at_once_send_each_tenants_usage_once()
    {
        var tenants = new List<(Guid TenantId, string Key, string CustomerId, DateTimeOffset Anchor)>();
        for (var i = 0; i < 6; i++)
        {
            var subscribed = await system.SubscribeAsync();
            tenants.Add((subscribed.TenantId, subscribed.Key, subscribed.CustomerId, subscribed.Anchor));
        }

        await using var worker = new WorkerJobs(system, stores, builder => builder.Configuration["Submission:Lanes"] = "2");
        foreach (var tenant in tenants)
        {
            await system.IngestAsync(tenant.Key, Event("lane-1", "api_calls", 3), Event("lane-2", "llm_tokens", 40));
        }

        await worker.AggregateAsync();
        var laneOf = new Dictionary<Guid, int>();
        await using (var connection = new NpgsqlConnection(system.Database.Superuser))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            foreach (var tenant in tenants)
            {
                await using var lane = new NpgsqlCommand("SELECT (hashtext(@t::text) & 2147483647) % 2", connection);
                lane.Parameters.AddWithValue("t", tenant.TenantId);
                laneOf[tenant.TenantId] = (int)(await lane.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
            }
        }

        await worker.RunAsync<Billing.Worker.Jobs.SubmitUsageJob>((job, ct) => job.RunLaneAsync(0, ct));

        foreach (var tenant in tenants)
        {
            var submissions = await system.SubmissionsAsync(tenant.TenantId);
            if (laneOf[tenant.TenantId] == 0)
            {
                Assert.Equal(2, submissions.Count);
                Assert.All(submissions, s => Assert.Equal(SubmissionStatus.Sent, s.Status));
            }
            else
            {
                Assert.Empty(submissions);
            }
        }

        await Task.WhenAll(
            worker.RunAsync<Billing.Worker.Jobs.SubmitUsageJob>((job, ct) => job.RunLaneAsync(1, ct)),
            worker.RunAsync<Billing.Worker.Jobs.SubmitUsageJob>((job, ct) => job.RunLaneAsync(0, ct)));

        foreach (var tenant in tenants)
        {
            var submissions = await system.SubmissionsAsync(tenant.TenantId);
            Assert.Equal(2, submissions.Count);
            Assert.All(submissions, s => Assert.Equal(SubmissionStatus.Sent, s.Status));
            Assert.Equal(3m, await system.AtStripeAsync(tenant.CustomerId, "api_calls", tenant.Anchor));
            Assert.Equal(40m, await system.AtStripeAsync(tenant.CustomerId, "llm_tokens", tenant.Anchor));
        }
    }

    [Fact]
    public async Task A_run_with_more_events_than_the_threshold_uses_the_v2_meter_event_stream()
    {
        var tenant = await system.SubscribeAsync();
        var traffic = new StripeTraffic();
        await using var worker = new WorkerJobs(system, stores, builder =>
        {
            builder.Configuration["Submission:StreamThreshold"] = "2";
            builder.Services.AddHttpClient("stripe").AddHttpMessageHandler(() => traffic);
        });
        await system.IngestAsync(tenant.Key, Event("v1", "llm_tokens", 10), Event("v2", "api_calls", 20), Event("v3", "agent_executions", 30), Event("v4", "user_seats", 4));
        await worker.AggregateAsync();

        await worker.SubmitAsync();

        Assert.Equal(1, traffic.Requests("/v2/billing/meter_event_session"));
        Assert.Equal(1, traffic.Requests("/v2/billing/meter_event_stream"));
        Assert.Equal(0, traffic.Requests("/v1/billing/meter_events"));
        Assert.All(await system.SubmissionsAsync(tenant.TenantId), s => Assert.Equal(SubmissionStatus.Sent, s.Status));
        Assert.Equal([10m, 20m, 30m, 4m], [
            await system.AtStripeAsync(tenant.CustomerId, "llm_tokens", tenant.Anchor),
            await system.AtStripeAsync(tenant.CustomerId, "api_calls", tenant.Anchor),
            await system.AtStripeAsync(tenant.CustomerId, "agent_executions", tenant.Anchor),
            await system.AtStripeAsync(tenant.CustomerId, "user_seats", tenant.Anchor)]);
    }

    [Fact]
    public async Task A_gauge_is_resubmitted_only_when_its_period_value_changes_and_storage_bills_its_maximum()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        var at = DateTimeOffset.UtcNow;
        await system.IngestAsync(tenant.Key, Event("m1", "storage_mb", 500, at), Event("m2", "storage_mb", 300, at.AddMilliseconds(5)));
        await worker.AggregateAsync();
        await worker.SubmitAsync();
        await system.IngestAsync(tenant.Key, Event("m3", "storage_mb", 450, at.AddMilliseconds(10)));
        await worker.AggregateAsync();
        await worker.SubmitAsync();
        var unchanged = await system.SubmissionsAsync(tenant.TenantId);
        await system.IngestAsync(tenant.Key, Event("m4", "storage_mb", 800, at.AddMilliseconds(-10)));
        await worker.AggregateAsync();
        await worker.SubmitAsync();

        var rows = await system.SubmissionsAsync(tenant.TenantId);
        Assert.Equal([500L], unchanged.Select(r => r.Value));
        Assert.Equal([500L, 800L], rows.Select(r => r.Value));
        Assert.True(rows[1].EventTimestamp > rows[0].EventTimestamp);
        Assert.Equal(800m, await system.AtStripeAsync(tenant.CustomerId, "storage_mb", tenant.Anchor));
    }

    [Fact]
    public async Task Usage_of_a_tenant_whose_billing_row_is_missing_is_held_and_submitted_once_the_row_exists()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(tenant.Key, Event("held-1", "api_calls", 9), Event("held-2", "llm_tokens", 400));
        await worker.AggregateAsync();
        Subscription subscription;
        await using (var db = system.CreateDbContext())
        {
            subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == tenant.TenantId, TestContext.Current.CancellationToken);
            await db.Subscriptions.Where(s => s.TenantId == tenant.TenantId).ExecuteDeleteAsync(TestContext.Current.CancellationToken);
        }

        var health = ActivatorUtilities.CreateInstance<HeldUsageHealthCheck>(worker.Services);

        await worker.SubmitAsync();
        var submittedWhileMissing = await system.SubmissionsAsync(tenant.TenantId);
        var flaggedWhileMissing = await FlaggedWindowsAsync(tenant.TenantId);
        var healthWhileMissing = await health.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        await using (var db = system.CreateDbContext())
        {
            db.Subscriptions.Add(subscription);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await worker.SubmitAsync();

        Assert.Empty(submittedWhileMissing);
        Assert.True(flaggedWhileMissing >= 2);
        Assert.Equal(HealthStatus.Degraded, healthWhileMissing.Status);
        Assert.Contains(tenant.TenantId.ToString(), healthWhileMissing.Data.Keys);
        Assert.Equal(0, await FlaggedWindowsAsync(tenant.TenantId));
        Assert.Equal([("api_calls", 9L, SubmissionStatus.Sent), ("llm_tokens", 400L, SubmissionStatus.Sent)],
            (await system.SubmissionsAsync(tenant.TenantId)).OrderBy(s => s.Metric).Select(s => (s.Metric, s.Value, s.Status)));
        Assert.Equal([9m, 400m], [
            await system.AtStripeAsync(tenant.CustomerId, "api_calls", tenant.Anchor),
            await system.AtStripeAsync(tenant.CustomerId, "llm_tokens", tenant.Anchor)]);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task A_free_tenant_has_no_stripe_customer_and_nothing_is_submitted_for_it()
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        await using var worker = new WorkerJobs(system, stores);
        await system.IngestAsync(key, Event("free-1", "api_calls", 3));
        await worker.AggregateAsync();

        await worker.SubmitAsync();

        Assert.Empty(await system.SubmissionsAsync(tenantId));
        Assert.Equal(0, await FlaggedWindowsAsync(tenantId));
        Assert.Equal((3L, 3L, 0L, 0), await system.LedgersAsync(tenantId, "api_calls"));
    }

    /// <summary>The worker's jobs with the Stripe client's traffic counted (and crashed when the test says).</summary>
    private WorkerJobs WorkerSeeing(StripeTraffic traffic) =>
        new(system, stores, builder => builder.Services.AddHttpClient("stripe").AddHttpMessageHandler(() => traffic));

    /// <summary>The next meter event call fails: all three tries (Stripe.net retries twice) answer 500.</summary>
    private async Task FailMeterEventsAsync() =>
        (await system.Emulator.PostAsJsonAsync("/_emulator/faults", new { path = "/v1/billing/meter_events", status = 500, count = 3 },
            TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

    /// <summary>A submission run; a worker stopped after a Stripe call is the next run's to recover from.</summary>
    private static async Task SubmitSurvivingCrashAsync(WorkerJobs worker)
    {
        try
        {
            await worker.SubmitAsync();
        }
        catch (SimulatedCrashException)
        {
        }
    }

    private async Task<long> FlaggedWindowsAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        return await db.UsageAggregates.CountAsync(a => a.TenantId == tenantId && a.SubmissionPending, TestContext.Current.CancellationToken);
    }

    /// <summary>Waits for a backend blocked behind <paramref name="holder"/>'s locks running a query containing <paramref name="marker"/>, and terminates it.</summary>
    private static async Task KillBackendWaitingOnAsync(NpgsqlConnection holder, NpgsqlTransaction hold, string marker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            // The polls run inside the holder's transaction, and PostgreSQL keeps one pg_stat_activity snapshot per
            // transaction: without clearing it, a first poll taken before the run started waiting would be seen forever.
            await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", holder, hold))
            {
                await clear.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            await using var find = new NpgsqlCommand("""
                SELECT pid FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%' || @marker || '%' AND datname = current_database()
                """, holder, hold);
            find.Parameters.AddWithValue("marker", marker);
            if (await find.ExecuteScalarAsync(TestContext.Current.CancellationToken) is int pid)
            {
                await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", holder, hold);
                kill.Parameters.AddWithValue("pid", pid);
                await kill.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
                return;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await using var dump = new NpgsqlCommand("SELECT string_agg(pid || ' ' || coalesce(wait_event_type,'-') || ' ' || coalesce(state,'-') || ' ' || left(query, 80), E'\n') FROM pg_stat_activity", holder, hold);
        throw new TimeoutException("The closing run never waited on the held windows.\n" + await dump.ExecuteScalarAsync());
    }
}
