using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// With Redis down, quota decisions in PostgreSQL are bounded: a busy counter queues in the process instead of holding
/// pooled connections on a lock, a lock held too long answers 503 with Retry-After, and quotas that never refuse take no lock.
/// </summary>
public sealed class RedisOutageFallbackTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_burst_on_one_hard_capped_counter_queues_in_the_process_and_lets_exactly_the_remaining_units_through()
    {
        await using var redis = await StoppedRedisAsync();
        await using var isolated = WithoutRedis(redis, waitMs: 60_000);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 37);
        using var http = Client(isolated, key);

        var waiters = new List<long>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            // Backends of the API's login waiting for an advisory lock: each would hold a pooled connection while it waits.
            await using var connection = new NpgsqlConnection(api.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()",
                connection);
            while (!sampling.IsCancellationRequested)
            {
                waiters.Add((long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
            }
        }, TestContext.Current.CancellationToken);
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => ConsumeAsync(http, "api_calls", 1, $"burst-{i}")));
        await sampling.CancelAsync();
        await sampler;

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(37, answers.Count(a => a.Decision == "allow"));
        Assert.Equal(163, answers.Count(a => a.Decision == "deny"));
        Assert.NotEmpty(waiters);
        Assert.Equal(0, waiters.Max());
        Assert.Equal(10_000, await StoredAsync(tenantId, "api_calls"));
    }

    [Fact]
    public async Task A_counter_lock_held_past_the_wait_answers_503_with_retry_after_and_stores_nothing()
    {
        await using var redis = await StoppedRedisAsync();
        await using var isolated = WithoutRedis(redis, waitMs: 300);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = Client(isolated, key);
        await using var holder = await HoldCounterLockAsync(tenantId, "api_calls");

        using var refused = await http.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { metric = "api_calls", amount = 1, idempotencyKey = "held" }, TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var storedWhileHeld = await StoredAsync(tenantId, "api_calls");
        await holder.CloseAsync();
        var retried = await ConsumeAsync(http, "api_calls", 1, "held");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/store-unavailable", problem.GetProperty("type").GetString());
        Assert.Contains("300 ms", problem.GetProperty("detail").GetString());
        Assert.Equal(0, storedWhileHeld);
        Assert.Equal((HttpStatusCode.OK, "allow"), (retried.Status, retried.Decision));
        Assert.Equal(1, await StoredAsync(tenantId, "api_calls"));
    }

    [Fact]
    public async Task A_soft_capped_quota_is_decided_and_stored_without_waiting_for_the_counter_lock()
    {
        await using var redis = await StoppedRedisAsync();
        await using var isolated = WithoutRedis(redis, waitMs: 300);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var http = Client(isolated, key);
        await using var holder = await HoldCounterLockAsync(tenantId, "llm_tokens");

        var answer = await ConsumeAsync(http, "llm_tokens", 7, "soft");

        Assert.Equal((HttpStatusCode.OK, "allow"), (answer.Status, answer.Decision));
        Assert.Equal(7, await StoredAsync(tenantId, "llm_tokens"));
    }

    private static async Task<RedisServer> StoppedRedisAsync()
    {
        var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await redis.StopAsync();
        return redis;
    }

    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> WithoutRedis(RedisServer redis, int waitMs) => api.WithWebHostBuilder(b => b
        .UseSetting("ConnectionStrings:redis", redis.ConnectionString + ",connectTimeout=300,syncTimeout=300,asyncTimeout=300,connectRetry=0,abortConnect=false")
        .UseSetting("Quotas:Fallback:MaxConcurrent", "4")
        .UseSetting("Quotas:Fallback:WaitMs", waitMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static HttpClient Client(WebApplicationFactory<Billing.Api.Auth.CurrentTenant> factory, string key)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        // Before the fallback was bounded, these requests waited for the lock without end.
        http.Timeout = TimeSpan.FromSeconds(90);
        return http;
    }

    private static async Task<(HttpStatusCode Status, string? Decision)> ConsumeAsync(HttpClient http, string metric, long amount, string idempotencyKey)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric, amount, idempotencyKey }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return (response.StatusCode, body.TryGetProperty("decision", out var decision) ? decision.GetString() : null);
    }

    /// <summary>Holds the counter's advisory lock from another session, as a replica deciding slowly would.</summary>
    private async Task<NpgsqlConnection> HoldCounterLockAsync(Guid tenantId, string metric)
    {
        // Unpooled: closing it ends the session, and with it the lock.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", connection);
        take.Parameters.AddWithValue("key", $"{tenantId:N}:{metric}");
        await take.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    private async Task<long> StoredAsync(Guid tenantId, string metric)
    {
        await using var db = api.CreateDbContext();
        return await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == metric).SumAsync(e => (long?)e.Value, TestContext.Current.CancellationToken) ?? 0;
    }
}
