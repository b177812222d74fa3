using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Billing.Infrastructure.Redis;
using Billing.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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
        // Its usage went to the stream in the Redis about to stop; once drained, PostgreSQL decides with it.
        await ApiFactory.UsageDrainedAsync(isolated.Services);
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
    public async Task With_the_default_client_settings_commands_fail_at_once_during_an_outage_instead_of_waiting_in_a_backlog()
    {
        // The connection string sets no timeouts: what the service configures is what runs.
        await using var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await using var isolated = api.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:redis", redis.ConnectionString));
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = isolated.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "a" }, TestContext.Current.CancellationToken)).StatusCode);
        await ApiFactory.UsageDrainedAsync(isolated.Services);

        await redis.StopAsync();
        var during = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "b" }, TestContext.Current.CancellationToken);
            during.Add(response.StatusCode);
        }

        // StackExchange.Redis's default queues a command while disconnected and times it out after 5 s (RedisTimeoutException);
        // the service's client refuses it at once, so each request goes straight to the PostgreSQL fallback.
        var refused = await Record.ExceptionAsync(() => isolated.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().PingAsync());

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], during);
        Assert.IsType<StackExchange.Redis.RedisConnectionException>(refused);
        await using var db = api.CreateDbContext();
        Assert.Equal(4, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls").SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Counters_that_missed_usage_during_an_outage_are_rebuilt_when_redis_returns()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await using var isolated = api.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:redis", redis.ConnectionString));
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 5);
        using var http = isolated.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        async Task<(string Decision, long Used)> ConsumeAsync(string id)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric = "api_calls", amount = 1, idempotencyKey = id }, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
            return (body.GetProperty("decision").GetString()!, body.GetProperty("used").GetInt64());
        }

        var before = await ConsumeAsync("before");          // the counter now lives in Redis: 9,996 used
        await redis.StopAsync();                             // Redis saves it on the way down and loads it again
        var during = new[] { await ConsumeAsync("during-1"), await ConsumeAsync("during-2"), await ConsumeAsync("during-3") };
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(async () => (await isolated.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().PingAsync()) > TimeSpan.Zero
            && isolated.Services.GetRequiredService<Billing.Infrastructure.Metering.StaleCounters>().Count == 0);
        var after = new[] { await ConsumeAsync("after-1"), await ConsumeAsync("after-2") };

        Assert.Equal(("allow", 9_996L), before);
        Assert.Equal([9_997L, 9_998L, 9_999L], during.Select(d => d.Used));
        // Rebuilt from PostgreSQL: 9,999 used, so one more fits and the next is refused; the counter Redis kept (9,996) would let both through.
        Assert.Equal([("allow", 10_000L), ("deny", 10_000L)], after);
        await using var db = api.CreateDbContext();
        Assert.Equal(10_000, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls").SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_counter_known_to_have_missed_usage_is_dropped_by_the_next_decision_before_it_is_read()
    {
        // As after an outage whose restore-time drop has not happened yet (Redis still loading its file, or the
        // decision arriving first): the counter Redis kept says 9,996, PostgreSQL holds 9,999.
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 5);
        using var http = api.CreateClient(key);
        async Task<(string Decision, long Used)> ConsumeAsync(string id)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric = "api_calls", amount = 1, idempotencyKey = id }, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
            return (body.GetProperty("decision").GetString()!, body.GetProperty("used").GetInt64());
        }

        Assert.Equal(("allow", 9_996L), await ConsumeAsync("before"));
        await api.SeedUsageAsync(tenantId, "api_calls", 3);
        var stale = api.Services.GetRequiredService<Billing.Infrastructure.Metering.StaleCounters>();
        using var scope = api.Services.CreateScope();
        var period = (await scope.ServiceProvider.GetRequiredService<Billing.Infrastructure.Tenancy.TenantBillingStore>().GetAsync(tenantId, TestContext.Current.CancellationToken))!
            .PeriodAt(DateTimeOffset.UtcNow);
        stale.Add([RedisKeys.UsageCounter(tenantId, "api_calls", period.Start)]);

        var after = new[] { await ConsumeAsync("after-1"), await ConsumeAsync("after-2") };

        // Rebuilt from PostgreSQL first: one more fits, the next is refused; the counter as Redis kept it would let both through.
        Assert.Equal([("allow", 10_000L), ("deny", 10_000L)], after);
        Assert.Equal(0, stale.Count);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (StackExchange.Redis.RedisException)
            {
                // Not reconnected yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "Redis did not come back in time.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
