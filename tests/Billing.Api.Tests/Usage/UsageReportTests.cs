using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Billing.Api.Tests.Usage;

/// <summary><c>GET /api/v1/usage</c>: the current period per metric, fed by Redis counters rebuilt from PostgreSQL.</summary>
public sealed class UsageReportTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static async Task SendAsync(HttpClient http, params object[] events)
    {
        var response = await http.PostAsync("/api/v1/usage/events",
            new StringContent(JsonSerializer.Serialize(new { events }), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static JsonElement Metric(JsonElement usage, string metric) =>
        usage.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == metric);

    [Fact]
    public async Task Usage_shows_each_metric_with_quota_status_and_cost()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = api.CreateClient(key);
        var now = DateTimeOffset.UtcNow;
        await SendAsync(http,
            new { id = "t1", metric = "llm_tokens", value = 60_000, timestamp = now },
            new { id = "t2", metric = "llm_tokens", value = 30_000, timestamp = now },
            new { id = "s1", metric = "storage_mb", value = 700, timestamp = now },
            new { id = "s2", metric = "storage_mb", value = 500, timestamp = now.AddSeconds(1) },
            new { id = "u1", metric = "user_seats", value = 3, timestamp = now },
            new { id = "u2", metric = "user_seats", value = 2, timestamp = now.AddSeconds(2) });

        var usage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);

        Assert.Equal("free", usage.GetProperty("plan").GetString());
        Assert.Equal(5, usage.GetProperty("metrics").GetArrayLength());
        var tokens = Metric(usage, "llm_tokens");
        Assert.Equal(90_000, tokens.GetProperty("used").GetInt64());
        Assert.Equal(10_000, tokens.GetProperty("remaining").GetInt64());
        Assert.Equal("ok", tokens.GetProperty("status").GetString());
        Assert.Equal(700, Metric(usage, "storage_mb").GetProperty("used").GetInt64());
        Assert.Equal(2, Metric(usage, "user_seats").GetProperty("used").GetInt64());
        Assert.Equal(0, usage.GetProperty("costCents").GetInt64());
    }

    [Fact]
    public async Task Overage_is_priced_per_line_and_hard_caps_show_blocked()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("standard");
        using var http = api.CreateClient(key);
        var now = DateTimeOffset.UtcNow;
        // 10,000 agent executions included, $0.02 each beyond; seats block at 25 + 20 % = 30.
        await SendAsync(http,
            new { id = "a1", metric = "agent_executions", value = 10_250, timestamp = now },
            new { id = "seats", metric = "user_seats", value = 30, timestamp = now });

        var usage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);

        var executions = Metric(usage, "agent_executions");
        Assert.Equal(250, executions.GetProperty("overage").GetInt64());
        Assert.Equal(500, executions.GetProperty("costCents").GetInt64());
        Assert.Equal("warning", executions.GetProperty("status").GetString());
        var seats = Metric(usage, "user_seats");
        Assert.Equal("blocked", seats.GetProperty("status").GetString());
        Assert.Equal(30, seats.GetProperty("limit").GetInt64());
        Assert.Equal(0, seats.GetProperty("costCents").GetInt64());
        Assert.Equal(9900 + 500, usage.GetProperty("costCents").GetInt64());
    }

    [Fact]
    public async Task Counters_lost_from_redis_are_rebuilt_from_postgresql()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        await SendAsync(http, new { id = "r1", metric = "api_calls", value = 40, timestamp = DateTimeOffset.UtcNow });
        var before = Metric(await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken), "api_calls");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString);
        var server = redis.GetServers()[0];
        var keys = server.Keys(pattern: $"usage:{{{tenantId:N}}}:*").ToArray();
        await redis.GetDatabase().KeyDeleteAsync(keys);
        await SendAsync(http, new { id = "r2", metric = "api_calls", value = 2, timestamp = DateTimeOffset.UtcNow });
        var afterUsage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        var after = Metric(afterUsage, "api_calls");

        Assert.Equal(40, before.GetProperty("used").GetInt64());
        Assert.NotEmpty(keys);
        Assert.Equal(42, after.GetProperty("used").GetInt64());
        var periodStart = DateTimeOffset.Parse(afterUsage.GetProperty("periodStart").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await redis.GetDatabase().KeyExistsAsync(RedisKeys.UsageCounter(tenantId, "api_calls", periodStart)));
    }

    [Fact]
    public async Task History_gives_running_usage_per_hour_of_the_period()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using (var db = api.CreateDbContext())
        {
            var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
            subscription.BillingAnchor = DateTimeOffset.UtcNow.AddHours(-5);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        using var http = api.CreateClient(key);
        var now = DateTimeOffset.UtcNow;
        await SendAsync(http,
            new { id = "h1", metric = "api_calls", value = 10, timestamp = now.AddHours(-3) },
            new { id = "h2", metric = "api_calls", value = 5, timestamp = now.AddHours(-1) },
            new { id = "h3", metric = "storage_mb", value = 900, timestamp = now.AddHours(-3) },
            new { id = "h4", metric = "storage_mb", value = 300, timestamp = now.AddHours(-1) });

        var history = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage/history", TestContext.Current.CancellationToken);

        var calls = history.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("metric").GetString() == "api_calls")
            .Select(p => p.GetProperty("cumulative").GetInt64()).ToList();
        var storage = history.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("metric").GetString() == "storage_mb")
            .Select(p => p.GetProperty("cumulative").GetInt64()).ToList();
        Assert.Equal([10, 15], calls);
        Assert.Equal([900, 900], storage);
    }
}
