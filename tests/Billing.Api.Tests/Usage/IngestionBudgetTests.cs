using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Usage;

/// <summary>
/// Each tenant has an ingestion budget (events a second, in bursts), set per plan in the catalog and per tenant by an
/// override, shared by every API replica: past it a request is a 429 with <c>Retry-After</c> and nothing of it is stored.
/// </summary>
public sealed class IngestionBudgetTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static object Events(string prefix, int count, long value = 1) =>
        new { events = Enumerable.Range(0, count).Select(i => new { id = $"{prefix}-{i}", metric = "api_calls", value }).ToArray() };

    private async Task<(Guid TenantId, string Key)> TenantWithBudgetAsync(int eventsPerSecond, int burst)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateOperatorClient();
        (await http.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/overrides", new { ingestionBudget = new { eventsPerSecond, burst } },
            TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        return (tenantId, key);
    }

    private async Task<long> StoredAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        return await db.UsageEvents.LongCountAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Past_the_budget_a_request_is_a_429_with_retry_after_and_stores_nothing()
    {
        var (tenantId, key) = await TenantWithBudgetAsync(eventsPerSecond: 1, burst: 1000);
        using var http = api.CreateClient(key);

        var burst = await http.PostAsJsonAsync("/api/v1/usage/events", Events("burst", 1000), TestContext.Current.CancellationToken);
        var over = await http.PostAsJsonAsync("/api/v1/usage/events", Events("over", 5), TestContext.Current.CancellationToken);
        var problem = await over.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, burst.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal("application/problem+json", over.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/ingestion-budget-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal((1, 1000, 5), (problem.GetProperty("eventsPerSecond").GetInt32(), problem.GetProperty("burst").GetInt32(), problem.GetProperty("events").GetInt32()));
        // Five events at one a second, the bucket being empty: about five seconds.
        Assert.InRange(over.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 4, 6);
        Assert.Equal(1000, await StoredAsync(tenantId));
    }

    [Fact]
    public async Task The_bucket_refills_at_the_budgets_rate()
    {
        // 10 events need 2 s of refill at 5 a second: the refusal holds however slowly the machine answers the burst.
        var (tenantId, key) = await TenantWithBudgetAsync(eventsPerSecond: 5, burst: 1000);
        using var http = api.CreateClient(key);
        (await http.PostAsJsonAsync("/api/v1/usage/events", Events("burst", 1000), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var refused = await http.PostAsJsonAsync("/api/v1/usage/events", Events("later", 10), TestContext.Current.CancellationToken);
        HttpResponseMessage? accepted = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); accepted?.StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            accepted = await http.PostAsJsonAsync("/api/v1/usage/events", Events("later", 10), TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted?.StatusCode);
        Assert.Equal(1010, await StoredAsync(tenantId));
    }

    [Fact]
    public async Task Replicas_share_one_budget()
    {
        var (tenantId, key) = await TenantWithBudgetAsync(eventsPerSecond: 1, burst: 1000);
        await using var first = api.Replica();
        await using var second = api.Replica();
        using var firstHttp = first.ClientWithKey(key);
        using var secondHttp = second.ClientWithKey(key);

        var onFirst = await firstHttp.PostAsJsonAsync("/api/v1/usage/events", Events("a", 600), TestContext.Current.CancellationToken);
        var onSecond = await secondHttp.PostAsJsonAsync("/api/v1/usage/events", Events("b", 600), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, onFirst.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, onSecond.StatusCode);
        Assert.Equal(600, await StoredAsync(tenantId));
    }

    [Fact]
    public async Task Each_tenant_has_its_own_budget()
    {
        var (_, spenderKey) = await TenantWithBudgetAsync(eventsPerSecond: 1, burst: 1000);
        var (otherId, otherKey) = await TenantWithBudgetAsync(eventsPerSecond: 1, burst: 1000);
        using var spender = api.CreateClient(spenderKey);
        using var other = api.CreateClient(otherKey);
        (await spender.PostAsJsonAsync("/api/v1/usage/events", Events("s", 1000), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var spent = await spender.PostAsJsonAsync("/api/v1/usage/events", Events("s2", 1), TestContext.Current.CancellationToken);
        var untouched = await other.PostAsJsonAsync("/api/v1/usage/events", Events("o", 1000), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, spent.StatusCode);
        Assert.Equal(HttpStatusCode.OK, untouched.StatusCode);
        Assert.Equal(1000, await StoredAsync(otherId));
    }

    [Fact]
    public async Task A_plans_budget_comes_from_the_catalog_configuration()
    {
        await using var tight = api.Replica(("Catalog:Plans:free:IngestionBudget:EventsPerSecond", "2"), ("Catalog:Plans:free:IngestionBudget:Burst", "1000"));
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = tight.ClientWithKey(key);

        var plans = await http.GetFromJsonAsync<JsonElement>("/api/v1/plans", TestContext.Current.CancellationToken);
        var first = await http.PostAsJsonAsync("/api/v1/usage/events", Events("f", 999), TestContext.Current.CancellationToken);
        var second = await http.PostAsJsonAsync("/api/v1/usage/events", Events("g", 10), TestContext.Current.CancellationToken);

        var free = plans.GetProperty("plans").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "free");
        Assert.Equal(2, free.GetProperty("ingestionBudget").GetProperty("eventsPerSecond").GetInt32());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(999, await StoredAsync(tenantId));
    }

    [Theory]
    [InlineData(0, 1000, "ingestionBudget.eventsPerSecond")]
    [InlineData(-5, null, "ingestionBudget.eventsPerSecond")]
    [InlineData(10, 999, "ingestionBudget.burst")]
    public async Task An_override_that_could_never_admit_a_full_request_is_refused(int? eventsPerSecond, int? burst, string field)
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateOperatorClient();

        var response = await http.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/overrides", new { ingestionBudget = new { eventsPerSecond, burst } },
            TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        await using var db = api.CreateDbContext();
        Assert.Null(await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Overrides).SingleAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_override_shows_in_the_effective_plan_and_round_trips()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateOperatorClient();

        var put = await (await http.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/overrides", new { ingestionBudget = new { burst = 5000 } },
            TestContext.Current.CancellationToken)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var get = await http.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}/overrides", TestContext.Current.CancellationToken);

        Assert.Equal(5000, get.GetProperty("overrides").GetProperty("ingestionBudget").GetProperty("burst").GetInt32());
        Assert.Equal(JsonValueKind.Null, get.GetProperty("overrides").GetProperty("ingestionBudget").GetProperty("eventsPerSecond").ValueKind);
        // Standard's 2,000 events a second stay; only the burst is the tenant's own.
        Assert.Equal((2000, 5000), (put.GetProperty("effectivePlan").GetProperty("ingestionBudget").GetProperty("eventsPerSecond").GetInt32(),
            put.GetProperty("effectivePlan").GetProperty("ingestionBudget").GetProperty("burst").GetInt32()));
    }

    [Fact]
    public async Task Without_redis_each_replica_still_keeps_the_budget()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        await using var isolated = api.Replica(("ConnectionStrings:redis", redis.ConnectionString + ",connectTimeout=300,syncTimeout=300,asyncTimeout=300,connectRetry=0"));
        var (tenantId, key) = await TenantWithBudgetAsync(eventsPerSecond: 1, burst: 1000);
        using var http = isolated.ClientWithKey(key);
        await redis.StopAsync();

        var burst = await http.PostAsJsonAsync("/api/v1/usage/events", Events("burst", 1000), TestContext.Current.CancellationToken);
        var over = await http.PostAsJsonAsync("/api/v1/usage/events", Events("over", 5), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, burst.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.True(over.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(1000, await StoredAsync(tenantId));
    }
}
