using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Billing.Api;
using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Api.Llm;
using Billing.Domain.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Bench;

/// <summary>
/// Issue 7's overhead figures: the example LLM route served twice by one API process, once plain and
/// once behind <c>RequireQuota(ApiCalls)</c> + <c>RequireQuota(LlmTokens, ReportedByHandler)</c>, measured
/// in alternating rounds at C concurrent clients: the throughput ratio and the added p99 latency, for a tenant on soft
/// caps (decided locally) and for one whose api_calls are hard-capped (one Redis script per request).
/// </summary>
public static class EnforcementBenchmark
{
    private const int WarmUpRequests = 3_000;

    public static async Task RunAsync(BenchmarkHost host, int clients, int requestsPerRound, int rounds)
    {
        var builder = WebApplication.CreateBuilder([]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = host.ConnectionString,
            ["ConnectionStrings:redis"] = host.RedisConnectionString,
            ["Auth:OperatorKey"] = BenchmarkHost.OperatorKey,
            ["RateLimiting:PermitsPerSecond"] = "10000000",
            ["RateLimiting:Burst"] = "10000000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults();
        builder.AddApiServices();
        await using var app = builder.Build();
        app.UseApiPipeline();
        app.MapGroup("/bench/plain").RequireAuthorization(AuthPolicies.Tenant).MapPost("/completions", Complete);
        app.MapGroup("/bench/metered").RequireAuthorization(AuthPolicies.Tenant)
            .RequireQuota(Metric.ApiCalls)
            .RequireQuota(Metric.LlmTokens, QuotaAmount.ReportedByHandler)
            .MapPost("/completions", Complete);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        // Soft caps (the enterprise plan): decided from the local views. A hard cap too large to reach (an operator
        // override on api_calls): reserved per request by the exact script in Redis.
        var softKey = await host.CreateTenantKeyAsync("enterprise");
        var hardKey = await host.CreateTenantKeyAsync("enterprise", new { quotas = new { api_calls = new { included = 1_000_000_000_000L, cap = "hard" } } });
        using var soft = Client(address, softKey);
        using var hard = Client(address, hardKey);
        await SteadyState.WarmUpAsync(async () =>
        {
            await RoundAsync(soft, "/bench/plain/completions", clients, WarmUpRequests);
            await RoundAsync(soft, "/bench/metered/completions", clients, WarmUpRequests);
            await RoundAsync(hard, "/bench/metered/completions", clients, WarmUpRequests);
        });

        var plain = new Latencies();
        var meteredSoft = new Latencies();
        var meteredHard = new Latencies();
        TimeSpan plainTime = TimeSpan.Zero, softTime = TimeSpan.Zero, hardTime = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            plainTime += await RoundAsync(soft, "/bench/plain/completions", clients, requestsPerRound, plain);
            softTime += await RoundAsync(soft, "/bench/metered/completions", clients, requestsPerRound, meteredSoft);
            hardTime += await RoundAsync(hard, "/bench/metered/completions", clients, requestsPerRound, meteredHard);
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
        await app.StopAsync();
    }

    private static HttpClient Client(string address, string key) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 512 })
        {
            BaseAddress = new Uri(address),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
        };

    // The API's own handler, called through a lambda of this assembly (the route analyzer trips over a foreign method group).
    private static CompletionResponse Complete(CompletionRequest request, Microsoft.AspNetCore.Http.HttpContext context) => LlmEndpoints.Complete(request, context);

    private static async Task<TimeSpan> RoundAsync(HttpClient http, string path, int clients, int requests, Latencies? latencies = null)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(path, new StringContent("""{"prompt":"count these five words"}""", Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                latencies?.Add(Stopwatch.GetElapsedTime(started));
            }
        }));
        return watch.Elapsed;
    }
}
