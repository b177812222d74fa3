using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Bench;

/// <summary>
/// Issue 6's ingestion figures, all in one run on one machine: (a) raw Npgsql batched inserts into a
/// copy of <c>usage_events</c> (the baseline), (b) the batch endpoint over HTTP, (c) single-event
/// POSTs from concurrent clients (group commit), (d) acceptance-to-visibility in <c>GET /usage</c>.
/// </summary>
public static class IngestionBenchmark
{
    private const int BatchSize = 1000;
    private const string UsageEventsPath = "/api/v1/usage/events";

    /// <summary>
    /// At C clients a single-event POST is bound by its latency (the group's commit and fsync); this many times C shows
    /// what the cores give once requests always wait for a writer.
    /// </summary>
    private const int SaturationFactor = 4;

    /// <summary>(a) and (b) alternate in this many rounds, so that a slow spell of the machine weighs on both alike.</summary>
    private const int Rounds = 5;

    public static async Task RunAsync(BenchmarkHost host, BenchRoutes routes, int events, int clients, int singleEvents, int visibilitySamples)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        using var batchHttp = host.Client(await host.CreateTenantKeyAsync("enterprise"));
        var baseline = await BaselineAsync(connection);
        var batch = await BatchEndpointAsync(batchHttp);
        TimeSpan baselineTime = TimeSpan.Zero, batchTime = TimeSpan.Zero;
        var batchLatency = new Latencies();
        var perRound = Math.Max(BatchSize, events / Rounds / BatchSize * BatchSize);
        for (var round = 0; round < Rounds; round++)
        {
            baselineTime += await baseline($"base-{round}", perRound);
            batchTime += await batch($"batch-{round}", perRound, batchLatency);
        }

        var baselineRate = perRound * Rounds / baselineTime.TotalSeconds;
        var batchRate = perRound * Rounds / batchTime.TotalSeconds;
        var (singleRate, singleLatency, ceilingRate) = await SingleEventsAsync(host, routes, singleEvents, clients);
        var (saturatedRate, saturatedLatency) = await SaturatedAsync(host, singleEvents / 2, clients * SaturationFactor);
        var visibility = await VisibilityAsync(host, visibilitySamples);

        Console.WriteLine();
        Console.WriteLine($"ingestion: {perRound * Rounds:N0} events in batches of {BatchSize}, (a) and (b) in {Rounds} alternating rounds; {singleEvents:N0} single-event POSTs from {clients} clients");
        Console.WriteLine($"  (a) baseline, raw Npgsql batched inserts : {baselineRate,12:N0} events/s");
        Console.WriteLine($"  (b) batch endpoint over HTTP             : {batchRate,12:N0} events/s   b/a = {batchRate / baselineRate:F2}   request p50 {batchLatency.Percentile(50):F1} ms, p99 {batchLatency.Percentile(99):F1} ms");
        Console.WriteLine($"  (c) single-event POSTs, group commit     : {singleRate,12:N0} events/s   request p50 {singleLatency.Percentile(50):F2} ms, p99 {singleLatency.Percentile(99):F2} ms");
        Console.WriteLine($"      ceiling: the same POSTs, authenticated, to a route that stores nothing: {ceilingRate,10:N0} requests/s   c / ceiling = {singleRate / ceilingRate:F2}");
        Console.WriteLine($"      with {clients * SaturationFactor} clients (the cores saturated): {saturatedRate,10:N0} events/s   request p50 {saturatedLatency.Percentile(50):F2} ms, p99 {saturatedLatency.Percentile(99):F2} ms");
        Console.WriteLine($"  (d) acceptance -> visible in /usage      : p50 {visibility.Percentile(50):F1} ms, p99 {visibility.Percentile(99):F1} ms ({visibilitySamples} samples)");
    }

    private static List<(string Id, long Value)> Events(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => ($"{prefix}-{i}", (long)(1 + (i % 100))))];

    /// <summary>Creates the baseline's table and warms it up; returns a round: insert N events in batches, timed.</summary>
    private static async Task<Func<string, int, Task<TimeSpan>>> BaselineAsync(NpgsqlConnection connection)
    {
        await using (var create = new NpgsqlCommand("CREATE TABLE bench_usage_events (LIKE usage_events INCLUDING ALL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var tenant = Guid.NewGuid();
        var now = DateTime.UtcNow;
        async Task InsertAsync((string Id, long Value)[] chunk)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO bench_usage_events (tenant_id, event_id, metric, value, occurred_at)
                SELECT @tenant, e.id, 'api_calls', e.value, @at FROM unnest(@ids, @values) AS e(id, value)
                ON CONFLICT (tenant_id, event_id) DO NOTHING
                """, connection);
            insert.Parameters.AddWithValue("tenant", tenant);
            insert.Parameters.AddWithValue("at", now);
            insert.Parameters.Add(new NpgsqlParameter<string[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. chunk.Select(e => e.Id)] });
            insert.Parameters.Add(new NpgsqlParameter<long[]>("values", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. chunk.Select(e => e.Value)] });
            await insert.ExecuteNonQueryAsync();
        }

        var warmUps = 0;
        await SteadyState.WarmUpAsync(async () =>
        {
            foreach (var warmUp in Events($"base-warm-up-{warmUps++}", 10 * BatchSize).Chunk(BatchSize))
            {
                await InsertAsync(warmUp);
            }
        });

        return async (prefix, count) =>
        {
            var chunks = Events(prefix, count).Chunk(BatchSize).ToList();
            var watch = Stopwatch.StartNew();
            foreach (var chunk in chunks)
            {
                await InsertAsync(chunk);
            }

            return watch.Elapsed;
        };
    }

    /// <summary>Warms up the batch endpoint; returns a round: post N events in requests of a batch each, one at a time, timed.</summary>
    private static async Task<Func<string, int, Latencies, Task<TimeSpan>>> BatchEndpointAsync(HttpClient http)
    {
        var warmUps = 0;
        await SteadyState.WarmUpAsync(async () =>
        {
            foreach (var warmUp in Events($"batch-warm-up-{warmUps++}", 10 * BatchSize).Chunk(BatchSize).Select(Body))
            {
                (await http.PostAsync(UsageEventsPath, new StringContent(warmUp, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            }
        });

        return async (prefix, count, latency) =>
        {
            var bodies = Events(prefix, count).Chunk(BatchSize).Select(Body).ToList();
            var watch = Stopwatch.StartNew();
            foreach (var body in bodies)
            {
                var started = Stopwatch.GetTimestamp();
                (await http.PostAsync(UsageEventsPath, new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
                latency.Add(Stopwatch.GetElapsedTime(started));
            }

            return watch.Elapsed;
        };
    }

    /// <summary>
    /// (c), in rounds alternating with the same POSTs to <see cref="BenchRoutes.Ceiling"/>: what this machine serves of an
    /// authenticated POST with nothing behind it, and so the most any ingestion could reach here.
    /// </summary>
    private static async Task<(double Rate, Latencies Latency, double CeilingRate)> SingleEventsAsync(BenchmarkHost host, BenchRoutes routes, int count, int clients)
    {
        var key = await host.CreateTenantKeyAsync("enterprise");
        using var http = host.Client(key);
        using var ceiling = host.Client(key, routes.Address);
        var warmUps = 0;
        await SteadyState.WarmUpAsync(async () =>
        {
            string[] warmUp = [.. Events($"warm-up-{warmUps++}", 10_000).Select(e => Body([e]))];
            await PostConcurrentlyAsync(http, UsageEventsPath, warmUp, clients, new Latencies());
            await PostConcurrentlyAsync(ceiling, BenchRoutes.Ceiling, warmUp, clients, new Latencies());
        });
        var latency = new Latencies();
        TimeSpan elapsed = TimeSpan.Zero, ceilingElapsed = TimeSpan.Zero;
        var perRound = Math.Max(1, count / Rounds);
        for (var round = 0; round < Rounds; round++)
        {
            var bodies = Events($"single-{round}", perRound).Select(e => Body([e])).ToArray();
            ceilingElapsed += await PostConcurrentlyAsync(ceiling, BenchRoutes.Ceiling, bodies, clients, new Latencies());
            elapsed += await PostConcurrentlyAsync(http, UsageEventsPath, bodies, clients, latency);
        }

        return (perRound * Rounds / elapsed.TotalSeconds, latency, perRound * Rounds / ceilingElapsed.TotalSeconds);
    }

    private static async Task<(double Rate, Latencies Latency)> SaturatedAsync(BenchmarkHost host, int count, int clients)
    {
        using var http = host.Client(await host.CreateTenantKeyAsync("enterprise"));
        string[] warmUp = [.. Events("saturated-warm-up", clients * 20).Select(e => Body([e]))];
        await PostConcurrentlyAsync(http, UsageEventsPath, warmUp, clients, new Latencies());
        var latency = new Latencies();
        var elapsed = await PostConcurrentlyAsync(http, UsageEventsPath, [.. Events("saturated", count).Select(e => Body([e]))], clients, latency);
        return (count / elapsed.TotalSeconds, latency);
    }

    private static async Task<TimeSpan> PostConcurrentlyAsync(HttpClient http, string path, string[] bodies, int clients, Latencies latency)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(path, new StringContent(bodies[i], Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                latency.Add(Stopwatch.GetElapsedTime(started));
            }
        }));
        return watch.Elapsed;
    }

    private static async Task<Latencies> VisibilityAsync(BenchmarkHost host, int samples)
    {
        using var http = host.Client(await host.CreateTenantKeyAsync("enterprise"));
        var latency = new Latencies();
        long expected = 0;
        for (var i = 0; i < samples; i++)
        {
            expected += 1;
            (await http.PostAsync(UsageEventsPath,
                new StringContent(Body([($"visible-{i}", 1)]), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            var accepted = Stopwatch.GetTimestamp();
            while (await ApiCallsUsedAsync(http) < expected)
            {
                if (Stopwatch.GetElapsedTime(accepted) > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"event {i} not visible after 10 s");
                }
            }

            latency.Add(Stopwatch.GetElapsedTime(accepted));
        }

        return latency;
    }

    private static async Task<long> ApiCallsUsedAsync(HttpClient http)
    {
        using var usage = JsonDocument.Parse(await http.GetStringAsync("/api/v1/usage"));
        return usage.RootElement.GetProperty("metrics").EnumerateArray()
            .Single(m => m.GetProperty("metric").GetString() == "api_calls").GetProperty("used").GetInt64();
    }

    private static string Body(IEnumerable<(string Id, long Value)> events)
    {
        var at = DateTimeOffset.UtcNow;
        return JsonSerializer.Serialize(new { events = events.Select(e => new { id = e.Id, metric = "api_calls", value = e.Value, timestamp = at }) });
    }
}
