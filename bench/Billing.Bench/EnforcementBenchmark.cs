using System.Text;

namespace Billing.Bench;

/// <summary>
/// Issue 7's overhead figures: the example LLM route served twice by one API process (<see cref="BenchRoutes"/>), once plain and
/// once behind <c>RequireQuota(ApiCalls)</c> + <c>RequireQuota(LlmTokens, ReportedByHandler)</c>, measured
/// in alternating rounds at C concurrent clients: the throughput ratio and the added p99 latency, for a tenant on soft
/// caps (decided locally) and for one whose api_calls are hard-capped (one Redis script per request).
/// </summary>
public static class EnforcementBenchmark
{
    private const int WarmUpRequests = 3_000;

    public static async Task RunAsync(BenchmarkHost host, BenchRoutes routes, int clients, int requestsPerRound, int rounds)
    {
        // Soft caps (the enterprise plan): decided from the local views. A hard cap too large to reach (an operator
        // override on api_calls): reserved per request by the exact script in Redis.
        var softKey = await host.CreateTenantKeyAsync("enterprise");
        var hardKey = await host.CreateTenantKeyAsync("enterprise", new { quotas = new { api_calls = new { included = 1_000_000_000_000L, cap = "hard" } } });
        using var soft = host.Client(softKey, routes.Address);
        using var hard = host.Client(hardKey, routes.Address);
        await SteadyState.WarmUpAsync(async () =>
        {
            await RoundAsync(soft, BenchRoutes.Plain, clients, WarmUpRequests);
            await RoundAsync(soft, BenchRoutes.Metered, clients, WarmUpRequests);
            await RoundAsync(hard, BenchRoutes.Metered, clients, WarmUpRequests);
        });

        var plain = new Latencies();
        var meteredSoft = new Latencies();
        var meteredHard = new Latencies();
        TimeSpan plainTime = TimeSpan.Zero, softTime = TimeSpan.Zero, hardTime = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            plainTime += await RoundAsync(soft, BenchRoutes.Plain, clients, requestsPerRound, plain);
            softTime += await RoundAsync(soft, BenchRoutes.Metered, clients, requestsPerRound, meteredSoft);
            hardTime += await RoundAsync(hard, BenchRoutes.Metered, clients, requestsPerRound, meteredHard);
        }

        var total = requestsPerRound * rounds;
        var plainRate = total / plainTime.TotalSeconds;
        var softRate = total / softTime.TotalSeconds;
        var hardRate = total / hardTime.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"enforcement: POST /llm/completions, {clients} clients, {rounds} alternating rounds of {requestsPerRound:N0} requests per variant");
        Console.WriteLine($"  without RequireQuota          : {plainRate,10:N0} req/s   p50 {plain.Percentile(50):F2} ms, p99 {plain.Percentile(99):F2} ms");
        Console.WriteLine($"  with RequireQuota, soft caps  : {softRate,10:N0} req/s   p50 {meteredSoft.Percentile(50):F2} ms, p99 {meteredSoft.Percentile(99):F2} ms");
        Console.WriteLine($"  with RequireQuota, hard cap   : {hardRate,10:N0} req/s   p50 {meteredHard.Percentile(50):F2} ms, p99 {meteredHard.Percentile(99):F2} ms");
        Console.WriteLine($"  soft caps: throughput ratio {softRate / plainRate:F2}, added p99 {meteredSoft.Percentile(99) - plain.Percentile(99):F2} ms");
        Console.WriteLine($"  hard cap : throughput ratio {hardRate / plainRate:F2}, added p99 {meteredHard.Percentile(99) - plain.Percentile(99):F2} ms");
    }

    private static Task<TimeSpan> RoundAsync(HttpClient http, string path, int clients, int requests, Latencies? latencies = null) =>
        ClosedLoop.RunAsync(clients, requests, () => http.PostAsync(path, new StringContent("""{"prompt":"count these five words"}""", Encoding.UTF8, "application/json")), latencies);
}
