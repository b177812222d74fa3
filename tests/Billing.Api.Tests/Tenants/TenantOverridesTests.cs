using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Tenants;

/// <summary>Per-tenant overrides: set by the operator, validated, audited, and followed by enforcement, usage and subscription.</summary>
public sealed class TenantOverridesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static JsonElement Metric(JsonElement usage, string metric) =>
        usage.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == metric);

    private static JsonElement Quota(JsonElement plan, string metric) =>
        plan.GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("metric").GetString() == metric);

    private static async Task<List<HttpStatusCode>> CallAsync(HttpClient http, int times)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < times; i++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "hi" }, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private async Task<(string? Stored, int AuditEntries)> StoredAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        var stored = await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Overrides).SingleAsync(TestContext.Current.CancellationToken);
        return (stored, await db.AuditLog.CountAsync(a => a.TenantId == tenantId && a.Action == "tenant.overrides_changed", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_override_of_standard_api_calls_is_enforced_and_reported_for_that_tenant_only()
    {
        var (overridden, overriddenKey) = await api.CreateTenantWithKeyAsync("standard", "negotiated");
        var (_, otherKey) = await api.CreateTenantWithKeyAsync("standard", "list price");
        using var tenant = api.CreateClient(overriddenKey);
        using var other = api.CreateClient(otherKey);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(tenant, 1))[0]);
        using var op = api.CreateOperatorClient();

        var put = await op.PutAsync($"/api/v1/tenants/{overridden}/overrides",
            Json("""{"basePriceCents":4900,"quotas":{"api_calls":{"included":3,"cap":"hard"}}}"""), TestContext.Current.CancellationToken);
        var body = await put.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(3, body.GetProperty("overrides").GetProperty("quotas").GetProperty("api_calls").GetProperty("included").GetInt64());
        var plan = body.GetProperty("effectivePlan");
        Assert.Equal(("standard", 4900), (plan.GetProperty("id").GetString(), plan.GetProperty("basePriceCents").GetInt64()));
        Assert.Equal(("hard", 3), (Quota(plan, "api_calls").GetProperty("cap").GetString(), Quota(plan, "api_calls").GetProperty("hardLimit").GetInt64()));
        Assert.Equal(10_000_000, Quota(plan, "llm_tokens").GetProperty("included").GetInt64());

        // One call was made before the override: two more fit under the new hard cap of 3.
        using (var second = await tenant.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "hi" }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.Equal("3", second.Headers.GetValues("X-Quota-Limit").First().Split(',')[0]);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await CallAsync(tenant, 2));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], await CallAsync(other, 4));

        var usage = await tenant.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        var calls = Metric(usage, "api_calls");
        Assert.Equal((3, 3, "hard", "blocked"), (calls.GetProperty("used").GetInt64(), calls.GetProperty("included").GetInt64(),
            calls.GetProperty("cap").GetString(), calls.GetProperty("status").GetString()));
        Assert.Equal((4900, 4900), (usage.GetProperty("baseFeeCents").GetInt64(), usage.GetProperty("costCents").GetInt64()));
        var otherUsage = await other.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        Assert.Equal((1_000_000, "soft"), (Metric(otherUsage, "api_calls").GetProperty("included").GetInt64(), Metric(otherUsage, "api_calls").GetProperty("cap").GetString()));
        Assert.Equal(9900, otherUsage.GetProperty("baseFeeCents").GetInt64());

        var subscription = await tenant.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        Assert.Equal((4900, true), (subscription.GetProperty("basePriceCents").GetInt64(), subscription.GetProperty("hasOverrides").GetBoolean()));
        var otherSubscription = await other.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        Assert.Equal((9900, false), (otherSubscription.GetProperty("basePriceCents").GetInt64(), otherSubscription.GetProperty("hasOverrides").GetBoolean()));

        await using var db = api.CreateDbContext();
        var audit = await db.AuditLog.SingleAsync(a => a.TenantId == overridden && a.Action == "tenant.overrides_changed", TestContext.Current.CancellationToken);
        Assert.Equal("operator", audit.Actor);
        var details = JsonDocument.Parse(audit.Details!).RootElement;
        Assert.Equal(3, details.GetProperty("after").GetProperty("quotas").GetProperty("api_calls").GetProperty("included").GetInt64());
        Assert.Empty(details.GetProperty("before").GetProperty("quotas").EnumerateObject());
        var got = await op.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{overridden}/overrides", TestContext.Current.CancellationToken);
        Assert.Equal(4900, got.GetProperty("overrides").GetProperty("basePriceCents").GetInt64());
        Assert.Equal(3, Quota(got.GetProperty("effectivePlan"), "api_calls").GetProperty("included").GetInt64());
    }

    [Fact]
    public async Task A_change_evicts_the_tenant_from_every_replica()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using var replica = api.WithWebHostBuilder(_ => { });
        using var viaReplica = replica.CreateClient();
        viaReplica.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(1_000_000, Metric(await viaReplica.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken), "api_calls")
            .GetProperty("included").GetInt64());
        var replicaCache = replica.Services.GetRequiredService<IMemoryCache>();
        Assert.True(replicaCache.TryGetValue(TenantBillingStore.CacheKey(tenantId), out _));
        using var op = api.CreateOperatorClient();

        (await op.PutAsync($"/api/v1/tenants/{tenantId}/overrides", Json("""{"quotas":{"api_calls":{"included":7}}}"""), TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();
        var evicted = DateTime.UtcNow;
        while (replicaCache.TryGetValue(TenantBillingStore.CacheKey(tenantId), out _) && DateTime.UtcNow < evicted.AddSeconds(2))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // Well inside the cache's 5 s lifetime: the replica dropped the entry because it was told to.
        Assert.False(replicaCache.TryGetValue(TenantBillingStore.CacheKey(tenantId), out _));
        Assert.Equal(7, Metric(await viaReplica.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken), "api_calls")
            .GetProperty("included").GetInt64());
    }

    public static TheoryData<string, string, string> BadOverrides() => new()
    {
        { "unknown metric", """{"quotas":{"gpu_hours":{"included":1}}}""", "quotas.gpu_hours" },
        { "unknown cap", """{"quotas":{"api_calls":{"cap":"medium"}}}""", "quotas.api_calls.cap" },
        { "negative included", """{"quotas":{"api_calls":{"included":-1}}}""", "quotas.api_calls.included" },
        { "grace over 100 %", """{"quotas":{"user_seats":{"gracePercent":150}}}""", "quotas.user_seats.gracePercent" },
        { "half an overage price", """{"quotas":{"llm_tokens":{"overageAmountCents":100}}}""", "quotas.llm_tokens.overagePerUnits" },
        { "zero units per price", """{"quotas":{"llm_tokens":{"overageAmountCents":100,"overagePerUnits":0}}}""", "quotas.llm_tokens.overagePerUnits" },
        { "soft cap without a price on Free", """{"quotas":{"api_calls":{"cap":"soft"}}}""", "quotas.api_calls" },
        { "negative base price", """{"basePriceCents":-1}""", "basePriceCents" },
        { "null quota", """{"quotas":{"api_calls":null}}""", "quotas.api_calls" },
        { "metric twice", """{"quotas":{"api_calls":{"included":1},"API_CALLS":{"included":2}}}""", "quotas.API_CALLS" },
    };

    [Theory]
    [MemberData(nameof(BadOverrides))]
    public async Task Bad_overrides_are_a_400_problem_naming_the_field_and_change_nothing(string because, string body, string field)
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync("standard", because);
        using var op = api.CreateOperatorClient();
        (await op.PutAsync($"/api/v1/tenants/{tenantId}/overrides", Json("""{"quotas":{"api_calls":{"included":5}}}"""), TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();
        var before = await StoredAsync(tenantId);

        var response = await op.PutAsync($"/api/v1/tenants/{tenantId}/overrides", Json(body), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{because}: no error for {field} in {problem}");
        Assert.Equal(before, await StoredAsync(tenantId));
        Assert.Equal(1, before.AuditEntries);
    }

    [Fact]
    public async Task A_soft_cap_needs_a_price_that_holds_on_every_plan_the_tenant_may_move_to()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync("standard");
        using var op = api.CreateOperatorClient();

        var response = await op.PutAsync($"/api/v1/tenants/{tenantId}/overrides", Json("""{"quotas":{"api_calls":{"cap":"soft"}}}"""), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("free", problem.GetProperty("errors").GetProperty("quotas.api_calls")[0].GetString());
    }

    [Fact]
    public async Task An_empty_override_restores_the_catalog_plan()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var op = api.CreateOperatorClient();
        (await op.PutAsync($"/api/v1/tenants/{tenantId}/overrides", Json("""{"quotas":{"api_calls":{"included":5}}}"""), TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();

        var cleared = await (await op.PutAsync($"/api/v1/tenants/{tenantId}/overrides", Json("{}"), TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(1_000_000, Quota(cleared.GetProperty("effectivePlan"), "api_calls").GetProperty("included").GetInt64());
        Assert.Equal((null, 2), await StoredAsync(tenantId));
        using var tenant = api.CreateClient(key);
        Assert.Equal(1_000_000, Metric(await tenant.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken), "api_calls")
            .GetProperty("included").GetInt64());
    }

    [Fact]
    public async Task Only_the_operator_sees_or_sets_overrides_and_unknown_tenants_are_404()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var tenant = api.CreateClient(key);
        using var op = api.CreateOperatorClient();

        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.GetAsync($"/api/v1/tenants/{tenantId}/overrides", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.PutAsync($"/api/v1/tenants/{tenantId}/overrides",
            Json("""{"quotas":{"api_calls":{"included":999999999}}}"""), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync($"/api/v1/tenants/{Guid.NewGuid()}/overrides", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.PutAsync($"/api/v1/tenants/{Guid.NewGuid()}/overrides", Json("{}"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal((null, 0), await StoredAsync(tenantId));
    }

    [Fact]
    public async Task Stored_overrides_the_catalog_no_longer_accepts_fall_back_to_the_plan()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using (var db = api.CreateDbContext())
        {
            await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(t => t.SetProperty(x => x.Overrides,
                """{"quotas":{"api_calls":{"included":-5}}}"""), TestContext.Current.CancellationToken);
        }

        using var tenant = api.CreateClient(key);
        var usage = await tenant.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);

        Assert.Equal(1_000_000, Metric(usage, "api_calls").GetProperty("included").GetInt64());
        Assert.Equal([HttpStatusCode.OK], await CallAsync(tenant, 1));
    }
}
