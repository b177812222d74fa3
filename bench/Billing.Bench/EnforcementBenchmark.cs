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
/// in alternating rounds at C concurrent clients: the throughput ratio and the added p99 latency.
/// </summary>
public static class EnforcementBenchmark
{
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

        var key = await host.CreateTenantKeyAsync("enterprise");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await RoundAsync(http, "/bench/plain/completions", clients, 2000);
        await RoundAsync(http, "/bench/metered/completions", clients, 2000);

        var plain = new Latencies();
        var metered = new Latencies();
        TimeSpan plainTime = TimeSpan.Zero, meteredTime = TimeSpan.Zero;
        for (var round = 0; round < rounds; round++)
        {
            plainTime += await RoundAsync(http, "/bench/plain/completions", clients, requestsPerRound, plain);
            meteredTime += await RoundAsync(http, "/bench/metered/completions", clients, requestsPerRound, metered);
        }

        var total = requestsPerRound * rounds;
        var plainRate = total / plainTime.TotalSeconds;
        var meteredRate = total / meteredTime.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"enforcement: POST /llm/completions, {clients} clients, {rounds} alternating rounds of {requestsPerRound:N0} requests per variant");
        Console.WriteLine($"  without RequireQuota : {plainRate,10:N0} req/s   p50 {plain.Percentile(50):F2} ms, p99 {plain.Percentile(99):F2} ms");
        Console.WriteLine($"  with RequireQuota    : {meteredRate,10:N0} req/s   p50 {metered.Percentile(50):F2} ms, p99 {metered.Percentile(99):F2} ms");
        Console.WriteLine($"  throughput ratio {meteredRate / plainRate:F2}, added p99 {metered.Percentile(99) - plain.Percentile(99):F2} ms");
        await app.StopAsync();
    }

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
