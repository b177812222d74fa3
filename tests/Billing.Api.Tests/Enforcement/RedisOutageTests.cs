using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Billing.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Enforcement;

/// <summary>With Redis stopped, decisions come from PostgreSQL, stay exact, and health reports Degraded.</summary>
public sealed class RedisOutageTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Redis_stopped_mid_test_decisions_continue_from_postgresql()
    {
        // A Redis of this test's own: stopping the shared one would disturb other test classes.
        await using var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await using var isolated = api.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:redis",
            redis.ConnectionString + ",connectTimeout=300,syncTimeout=300,asyncTimeout=300,connectRetry=0"));
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 3);
        using var http = isolated.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var before = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "a" }, TestContext.Current.CancellationToken);
        await redis.StopAsync();
        var during = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "b" }, TestContext.Current.CancellationToken);
            during.Add(response.StatusCode);
        }

        var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], during);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await using var db = api.CreateDbContext();
        Assert.Equal(10_000, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls").SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task With_the_default_client_settings_an_outage_adds_little_time_to_a_request()
    {
        // The connection string sets no timeouts: what the service configures is what runs.
        await using var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await using var isolated = api.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:redis", redis.ConnectionString));
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = isolated.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "a" }, TestContext.Current.CancellationToken)).StatusCode);

        await redis.StopAsync();
        var clock = Stopwatch.StartNew();
        var during = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "b" }, TestContext.Current.CancellationToken);
            during.Add(response.StatusCode);
        }

        clock.Stop();
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], during);
        // Each request makes several Redis calls; at StackExchange.Redis's 5 s defaults three requests would take a minute.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"Three requests took {clock.Elapsed.TotalSeconds:F1} s with Redis down.");
        await using var db = api.CreateDbContext();
        Assert.Equal(4, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls").SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }
}
