using Billing.Infrastructure.Tenancy;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Billing.LoadGen;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Bench;

/// <summary>
/// Issue 15's scale figures in one run: (1) ingestion through the batch endpoint with 0 and more events stored (the
/// deduplication index grows forever), (2) catch-up aggregation of what (1) ingested, (3) aggregation every second under
/// the demo traffic generator's sustained load, with its lag, (4) <c>GET /usage</c>, <c>GET /usage/history</c> and a
/// counter rebuild for tenants with more and more events in their current period. Seeding is
/// <see cref="StoredEventsGenerator"/>'s; every figure is a ratio to the smallest size of the same run.
/// </summary>
public static class ScaleBenchmark
{
    private const string UsageEventsPath = "/api/v1/usage/events";
    private const int BatchSize = 1000;
    private const int IngestClients = 4;
    private const int IngestRounds = 4;
    private const int AggregationBatch = 10_000;
    private const int ReadSamples = 200;
    private const int RebuildSamples = 10;

    /// <summary>Events of each read tenant left unaggregated, as the aggregation's normal backlog.</summary>
    private const int PendingPerTenant = 1_000;

    /// <param name="Stored">Events stored before each ingestion measurement, ascending, the first 0.</param>
    /// <param name="InPeriod">Events in the current period of each read tenant, ascending.</param>
    /// <param name="IngestEvents">Events posted per ingestion measurement.</param>
    /// <param name="SustainSeconds">How long the sustained load runs.</param>
    /// <param name="SustainRate">The generator's requests a second (a sixth of them batches of 200 events).</param>
    public sealed record Sizes(long[] Stored, long[] InPeriod, int IngestEvents, int SustainSeconds, double SustainRate)
    {
        public static Sizes Parse(string[] args)
        {
            static long[] List(string text) => [.. text.Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
            return new Sizes(
                args.Length > 0 ? List(args[0]) : [0, 1_000_000, 4_000_000],
                args.Length > 1 ? List(args[1]) : [10_000, 200_000, 1_000_000],
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000,
                args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 30,
                args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 60);
        }
    }

    private sealed record ReadFigures(long Events, Latencies Usage, Latencies History, Latencies Rebuild);

    public static async Task RunAsync(BenchmarkHost host, Sizes sizes)
    {
        if (sizes.Stored is not [0, ..] || !IsAscending(sizes.Stored) || !IsAscending(sizes.InPeriod) || sizes.InPeriod[0] <= PendingPerTenant)
        {
            throw new ArgumentException($"Stored sizes must start at 0 and ascend; period sizes ascend, each above {PendingPerTenant}.");
        }

        var watch = Stopwatch.StartNew();
        var ingestion = await IngestionAsync(host, sizes);
        var catchUp = await CatchUpAsync(host);
        var lanes = await LanesAsync(host);
        var sustained = await SustainedAsync(host, sizes);
        var reads = new List<ReadFigures>();
        foreach (var events in sizes.InPeriod)
        {
            reads.Add(await ReadsAsync(host, events));
        }

        Console.WriteLine();
        Console.WriteLine($"scale benchmark: {Environment.ProcessorCount} cores, loopback only, {watch.Elapsed.TotalMinutes:F1} min in all");
        Console.WriteLine($"ingestion: {sizes.IngestEvents:N0} events a size through POST {UsageEventsPath} in batches of {BatchSize} (random UUID ids), {IngestClients} clients,");
        Console.WriteLine($"  in {IngestRounds} rounds alternating with a tenant of no history (same moment, same table)");
        Console.WriteLine("  events stored      events/s   ratio to 0   no-history tenant events/s   ratio to it");
        foreach (var i in ingestion)
        {
            Console.WriteLine($"  {i.Stored,13:N0} {i.Rate,13:N0} {i.Rate / ingestion[0].Rate,12:F2} {i.FreshRate,28:N0} {i.Rate / i.FreshRate,13:F2}");
        }

        Console.WriteLine($"aggregation, catch-up: {catchUp.Events:N0} events in {catchUp.Elapsed.TotalSeconds:F1} s = {catchUp.Events / catchUp.Elapsed.TotalSeconds:N0} events/s (batches of {AggregationBatch:N0}, the worker's login)");
        Console.WriteLine($"aggregation in lanes: the same backlog of {LaneBacklog:N0} events of {LaneTenants} tenants, one run {lanes.One:N0} events/s, two lanes at once {lanes.Two:N0} events/s (ratio {lanes.Two / lanes.One:F2})");
        Console.WriteLine($"aggregation under load: {sustained}");
        Console.WriteLine($"reads: {ReadSamples} sequential samples each after warming up; counter rebuild = GET /usage with the tenant's counters deleted ({RebuildSamples} samples)");
        Console.WriteLine("  events in period   /usage p50   p99 ms   /history p50   p99 ms   rebuild p50   max ms");
        foreach (var r in reads)
        {
            Console.WriteLine($"  {r.Events,16:N0} {r.Usage.Percentile(50),12:F1} {r.Usage.Percentile(99),8:F1} {r.History.Percentile(50),14:F1} {r.History.Percentile(99),8:F1} {r.Rebuild.Percentile(50),13:F1} {r.Rebuild.Percentile(100),8:F1}");
        }

        var (largest, smallest) = (reads[^1], reads[0]);
        Console.WriteLine("ratios (targets from issue 15):");
        Console.WriteLine($"  ingestion at {ingestion[^1].Stored:N0} / at 0 stored          = {ingestion[^1].Rate / ingestion[0].Rate:F2}   (target >= 0.8; same moment, to a tenant of no history: {ingestion[^1].Rate / ingestion[^1].FreshRate:F2})");
        Console.WriteLine($"  GET /usage p99 at {largest.Events:N0} / at {smallest.Events:N0}         = {largest.Usage.Percentile(99) / smallest.Usage.Percentile(99):F2}   (target <= 2)");
        Console.WriteLine($"  GET /usage/history p99 at {largest.Events:N0} / at {smallest.Events:N0} = {largest.History.Percentile(99) / smallest.History.Percentile(99):F2}   (target <= 2)");
        Console.WriteLine($"  counter rebuild p50 at {largest.Events:N0} / at {smallest.Events:N0}    = {largest.Rebuild.Percentile(50) / smallest.Rebuild.Percentile(50):F2}   (issue's target: <= 50 ms at 10,000,000)");
    }

    private static bool IsAscending(long[] sizes) => sizes.Zip(sizes.Skip(1)).All(p => p.First < p.Second);

    /// <param name="Rate">The tenant whose history holds the stored events.</param>
    /// <param name="FreshRate">A tenant with no history, in rounds alternating with it: the same moment of a shared machine.</param>
    private sealed record IngestionFigures(long Stored, double Rate, double FreshRate);

    /// <summary>
    /// (1): one tenant's history grows to each size (earlier periods, aggregated), and the batch endpoint is measured at each,
    /// in rounds alternating with a new tenant of no history: the deduplication index is (tenant, event id), so the new
    /// tenant's inserts touch a small part of it while everything else (the request, the commit, the machine's other load)
    /// is the same.
    /// </summary>
    private static async Task<List<IngestionFigures>> IngestionAsync(BenchmarkHost host, Sizes sizes)
    {
        var (tenantId, key) = await host.CreateTenantAsync("enterprise");
        var anchor = await BackdateAsync(host, tenantId);
        using var http = host.Client(key);
        Console.WriteLine("ingestion: warming up");
        await SteadyState.WarmUpAsync(() => IngestAsync(http, 20 * BatchSize));
        await StoredEventsGenerator.ClearAsync(host.ConnectionString);
        var figures = new List<IngestionFigures>();
        foreach (var target in sizes.Stored)
        {
            var stored = await StoredEventsGenerator.CountAsync(host.ConnectionString);
            if (target > stored)
            {
                var seeding = await StoredEventsGenerator.SeedAggregatedAsync(host.ConnectionString, tenantId, target - stored, anchor.AddYears(-1), anchor);
                Console.WriteLine($"  seeded {target - stored:N0} events in {seeding.TotalSeconds:F0} s");
            }

            var measured = await StoredEventsGenerator.CountAsync(host.ConnectionString);
            using var fresh = host.Client((await host.CreateTenantAsync("enterprise")).Key);
            TimeSpan elapsed = TimeSpan.Zero, freshElapsed = TimeSpan.Zero;
            var perRound = Math.Max(BatchSize, sizes.IngestEvents / IngestRounds / BatchSize * BatchSize);
            for (var round = 0; round < IngestRounds; round++)
            {
                freshElapsed += await IngestAsync(fresh, perRound);
                elapsed += await IngestAsync(http, perRound);
            }

            var figure = new IngestionFigures(measured, perRound * IngestRounds / elapsed.TotalSeconds, perRound * IngestRounds / freshElapsed.TotalSeconds);
            figures.Add(figure);
            Console.WriteLine($"  {measured:N0} stored: {figure.Rate:N0} events/s, a tenant of no history {figure.FreshRate:N0} events/s");
        }

        return figures;
    }

    private static Task<TimeSpan> IngestAsync(HttpClient http, int events) =>
        ClosedLoop.RunAsync(IngestClients, events / BatchSize, () =>
        {
            var body = JsonSerializer.Serialize(new
            {
                events = Enumerable.Range(0, BatchSize).Select(_ => new { id = Guid.NewGuid().ToString(), metric = "api_calls", value = 1 }),
            });
            return http.PostAsync(UsageEventsPath, new StringContent(body, Encoding.UTF8, "application/json"));
        });

    /// <summary>(2): everything (1) ingested, aggregated as the worker's job does, back to back.</summary>
    private static async Task<(long Events, TimeSpan Elapsed)> CatchUpAsync(BenchmarkHost host)
    {
        await using var connection = new NpgsqlConnection(host.WorkerConnectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        var events = await AggregateAllAsync(connection);
        return (events, watch.Elapsed);
    }

    private const int LaneBacklog = 400_000;
    private const int LaneTenants = 16;

    /// <summary>
    /// (2b): a backlog of pending events of several tenants folded by one run, then the same backlog again by two runs
    /// of two lanes at once (as two workers run them), on separate connections.
    /// </summary>
    private static async Task<(double One, double Two)> LanesAsync(BenchmarkHost host)
    {
        async Task<double> FoldAsync(params TenantLane[] lanes)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var tenant in Enumerable.Range(0, LaneTenants).Select(_ => Guid.NewGuid()))
            {
                await StoredEventsGenerator.SeedPendingAsync(host.ConnectionString, tenant, LaneBacklog / LaneTenants, now.AddMinutes(-30), now.AddMinutes(-1));
            }

            var watch = Stopwatch.StartNew();
            var folded = await Task.WhenAll(lanes.Select(async lane =>
            {
                await using var connection = new NpgsqlConnection(host.WorkerConnectionString);
                await connection.OpenAsync();
                return await AggregateAllAsync(connection, lane);
            }));
            Assert(folded.Sum() == LaneBacklog, $"the lanes folded {folded.Sum()} events of a backlog of {LaneBacklog}");
            return LaneBacklog / watch.Elapsed.TotalSeconds;
        }

        var one = await FoldAsync(TenantLane.All);
        var two = await FoldAsync([.. TenantLane.Of(2)]);
        return (one, two);
    }

    private static async Task<long> AggregateAllAsync(NpgsqlConnection connection, TenantLane? lane = null)
    {
        long events = 0;
        UsageAggregator.Result batch;
        do
        {
            batch = await UsageAggregator.RunBatchAsync(connection, AggregationBatch, CancellationToken.None, lane);
            events += batch.Events;
        }
        while (batch.Claimed == AggregationBatch);
        return events;
    }

    /// <summary>
    /// (3): the demo traffic generator at a fixed rate while aggregation runs every second (the worker runs it every minute;
    /// a second shows what aggregation keeps up with rather than the schedule): lag before each run, then the drain.
    /// </summary>
    private static async Task<string> SustainedAsync(BenchmarkHost host, Sizes sizes)
    {
        var (_, key) = await host.CreateTenantAsync("enterprise");
        using var http = host.Client(key);
        var generator = new LoadGenerator(http, new LoadGenOptions { RequestsPerSecond = sizes.SustainRate, Senders = 4, EventsPerBatch = 200, MaxRecordedIds = 0 });
        await using var connection = new NpgsqlConnection(host.WorkerConnectionString);
        await connection.OpenAsync();
        Console.WriteLine($"aggregation under load: {sizes.SustainRate} requests/s for {sizes.SustainSeconds} s");
        var lag = new Latencies();
        long folded = 0;
        var busy = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(sizes.SustainSeconds)))
        {
            var load = generator.RunAsync(stop.Token);
            while (!stop.IsCancellationRequested)
            {
                var tick = Stopwatch.GetTimestamp();
                lag.Add(await UsageAggregator.LagAsync(connection, CancellationToken.None));
                var run = Stopwatch.GetTimestamp();
                folded += await AggregateAllAsync(connection);
                busy += Stopwatch.GetElapsedTime(run);
                var rest = TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(tick);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest);
                }
            }

            await load;
        }

        var loadTime = watch.Elapsed;
        var drain = Stopwatch.StartNew();
        var drained = await AggregateAllAsync(connection);
        var report = generator.Report.Summary();
        var offered = report.AcceptedEvents + 2 * report.Kinds[LoadRequestKind.Completion].Accepted;
        return             $"{offered / loadTime.TotalSeconds:N0} events/s accepted ({report.Requests / loadTime.TotalSeconds:N0} requests/s, {report.Failed + report.Kinds.Values.Sum(k => k.Refused)} refused or failed); "
            + $"aggregated {folded:N0} events in {busy.TotalSeconds:F1} s of runs = {folded / Math.Max(busy.TotalSeconds, 0.001):N0} events/s of aggregation time; "
            + $"lag before a run p50 {lag.Percentile(50) / 1000:F1} s, max {lag.Percentile(100) / 1000:F1} s; "
            + $"after the load {drained:N0} events were left, aggregated in {drain.Elapsed.TotalSeconds:F2} s";
    }

    /// <summary>(4): one tenant with <paramref name="events"/> in its current period, aggregated but for a small backlog.</summary>
    private static async Task<ReadFigures> ReadsAsync(BenchmarkHost host, long events)
    {
        var (tenantId, key) = await host.CreateTenantAsync("enterprise");
        var anchor = await BackdateAsync(host, tenantId);
        var now = DateTimeOffset.UtcNow;
        var seeding = await StoredEventsGenerator.SeedAggregatedAsync(host.ConnectionString, tenantId, events - PendingPerTenant, anchor, now.AddMinutes(-10));
        await StoredEventsGenerator.SeedPendingAsync(host.ConnectionString, tenantId, PendingPerTenant, now.AddMinutes(-10), now.AddMinutes(-1));
        Console.WriteLine($"reads: seeded {events:N0} events in the period in {seeding.TotalSeconds:F0} s");
        using var http = host.Client(key);
        var periodStart = await AssertSeededUsageAsync(host, http, tenantId, anchor);

        var usage = new Latencies();
        var history = new Latencies();
        await SteadyState.WarmUpAsync(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                (await http.GetAsync("/api/v1/usage")).EnsureSuccessStatusCode();
                (await http.GetAsync("/api/v1/usage/history")).EnsureSuccessStatusCode();
            }
        }, maxRounds: 5);
        for (var i = 0; i < ReadSamples; i++)
        {
            await TimeAsync(http, "/api/v1/usage", usage);
            await TimeAsync(http, "/api/v1/usage/history", history);
        }

        var rebuild = new Latencies();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(host.RedisConnectionString);
        RedisKey[] counters = [.. MetricKeys.All.Select(m => (RedisKey)RedisKeys.UsageCounter(tenantId, m.ToKey(), periodStart))];
        for (var i = 0; i < RebuildSamples; i++)
        {
            Assert(await redis.GetDatabase().KeyDeleteAsync(counters) > 0, "the tenant's usage counters were not where RedisKeys.UsageCounter says");
            await TimeAsync(http, "/api/v1/usage", rebuild);
        }

        return new ReadFigures(events, usage, history, rebuild);
    }

    private static async Task TimeAsync(HttpClient http, string path, Latencies latencies)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        await response.Content.LoadIntoBufferAsync();
        latencies.Add(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The seeded events are what the API reads: GET /usage equals their sums (waits out the tenant cache's backdating).</summary>
    private static async Task<DateTimeOffset> AssertSeededUsageAsync(BenchmarkHost host, HttpClient http, Guid tenantId, DateTimeOffset anchor)
    {
        var expected = await StoredEventsGenerator.SumsAsync(host.ConnectionString, tenantId, anchor, DateTimeOffset.UtcNow);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var usage = JsonDocument.Parse(await http.GetStringAsync("/api/v1/usage"));
            var periodStart = usage.RootElement.GetProperty("periodStart").GetDateTimeOffset();
            var used = usage.RootElement.GetProperty("metrics").EnumerateArray()
                .ToDictionary(m => m.GetProperty("metric").GetString()!, m => m.GetProperty("used").GetInt64());
            if (periodStart == anchor && expected.All(e => used[e.Key] == e.Value))
            {
                return periodStart;
            }

            Assert(deadline.Elapsed < TimeSpan.FromSeconds(30),
                $"GET /usage reads {string.Join(", ", used.Select(u => $"{u.Key}={u.Value}"))} from {periodStart:O}; seeded {string.Join(", ", expected.Select(e => $"{e.Key}={e.Value}"))} from {anchor:O}");
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Moves the tenant's billing anchor 25 days back (on a whole minute, as periods start), so that its current period has
    /// room for a month's events and earlier periods exist for history. Returns the anchor.
    /// </summary>
    private static async Task<DateTimeOffset> BackdateAsync(BenchmarkHost host, Guid tenantId)
    {
        var now = DateTimeOffset.UtcNow;
        var anchor = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddDays(-25);
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "UPDATE subscriptions SET billing_anchor = @anchor, current_period_start = @anchor, current_period_end = @anchor + interval '1 month' WHERE tenant_id = @tenant",
            connection);
        command.Parameters.AddWithValue("anchor", anchor);
        command.Parameters.AddWithValue("tenant", tenantId);
        Assert(await command.ExecuteNonQueryAsync() == 1, "the tenant has no subscription to backdate");
        return anchor;
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
