using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Enforcement;

/// <summary>The example metered route: headers, 429 with Retry-After, 402, and consumption recorded once per request.</summary>
public sealed class MeteredRouteTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>A header's values, one per metric, however the transport joined them.</summary>
    private static string[] Values(HttpResponseMessage response, string header) =>
        [.. response.Headers.GetValues(header).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries))];

    private static Task<HttpResponseMessage> CompleteAsync(HttpClient http, string prompt = "one two three") =>
        http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task An_allowed_call_carries_quota_headers_and_records_a_call_and_its_tokens()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 100);
        using var http = api.CreateClient(key);

        var response = await CompleteAsync(http, "alpha beta gamma delta");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(8, body.GetProperty("usage").GetProperty("totalTokens").GetInt32());
        Assert.Equal(["api_calls", "llm_tokens"], Values(response, "X-Quota-Metric"));
        Assert.Equal(["10000", "100000"], Values(response, "X-Quota-Limit"));
        Assert.Equal(["101", "0"], Values(response, "X-Quota-Used"));
        Assert.Equal(["9899", "100000"], Values(response, "X-Quota-Remaining"));
        Assert.False(response.Headers.Contains("X-Quota-Warning"));
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        var recorded = await db.UsageEvents.Where(e => e.TenantId == tenantId && e.EventId.StartsWith("req:"))
            .ToDictionaryAsync(e => e.Metric, e => e.Value, TestContext.Current.CancellationToken);
        Assert.Equal(1, recorded["api_calls"]);
        Assert.Equal(8, recorded["llm_tokens"]);
    }

    [Fact]
    public async Task Over_a_hard_cap_the_call_is_429_with_retry_after_and_a_problem_naming_metric_limit_and_used()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000);
        using var http = api.CreateClient(key);

        var response = await CompleteAsync(http);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/quota-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal("api_calls", problem.GetProperty("metric").GetString());
        Assert.Equal(10_000, problem.GetProperty("limit").GetInt64());
        Assert.Equal(10_000, problem.GetProperty("used").GetInt64());
        var retryAfter = long.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 27L * 24 * 3600, 31L * 24 * 3600);
        Assert.Equal(["0"], Values(response, "X-Quota-Remaining"));
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId && e.EventId.StartsWith("req:"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Requests_reusing_one_client_request_id_are_each_recorded_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var http = api.CreateClient(key);
        http.DefaultRequestHeaders.Add("X-Request-Id", "always-the-same");

        var used = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await CompleteAsync(http, "alpha beta");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            used.Add(Values(response, "X-Quota-Used")[0]);
        }

        Assert.Equal(["1", "2", "3", "4", "5"], used);
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        var calls = await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls")
            .Select(e => new { e.EventId, e.Value }).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(5, calls.Count);
        Assert.Equal(5, calls.Sum(c => c.Value));
        Assert.Equal(5, calls.Select(c => c.EventId).Distinct().Count());
        Assert.DoesNotContain(calls, c => c.EventId.Contains("always-the-same", StringComparison.Ordinal));
        Assert.Equal(5 * 4, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "llm_tokens")
            .SumAsync(e => e.Value, TestContext.Current.CancellationToken));
        var usage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        Assert.Equal(5, usage.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "api_calls")
            .GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task A_call_denied_by_its_token_quota_gives_back_its_api_call_and_records_nothing()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 100);
        await api.SeedUsageAsync(tenantId, "llm_tokens", 100_000);
        using var http = api.CreateClient(key);

        var response = await CompleteAsync(http);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("llm_tokens", problem.GetProperty("metric").GetString());
        Assert.Equal(["api_calls", "llm_tokens"], Values(response, "X-Quota-Metric"));
        Assert.Equal(["100", "100000"], Values(response, "X-Quota-Used"));
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId && e.EventId.StartsWith("req:"), TestContext.Current.CancellationToken));
        var check = await (await http.PostAsJsonAsync("/api/v1/entitlements/check", new { metric = "api_calls", amount = 1 }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(100, check.GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task Past_the_included_quantity_of_a_soft_cap_the_call_passes_with_a_warning()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await api.SeedUsageAsync(tenantId, "llm_tokens", 10_000_000);
        using var http = api.CreateClient(key);

        var response = await CompleteAsync(http);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("X-Quota-Warning"), w => w.Contains("llm_tokens", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("suspended", "active")]
    [InlineData("active", "canceled")]
    public async Task A_suspended_tenant_or_cancelled_subscription_gets_402(string tenantStatus, string subscriptionStatus)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using (var db = api.CreateDbContext())
        {
            await db.Tenants.Where(t => t.Id == tenantId).ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, tenantStatus), TestContext.Current.CancellationToken);
            await db.Subscriptions.Where(s => s.TenantId == tenantId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, subscriptionStatus), TestContext.Current.CancellationToken);
        }

        using var http = api.CreateClient(key);
        var response = await CompleteAsync(http);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.EndsWith("/subscription-inactive", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Past_the_payment_grace_a_standard_tenant_is_held_to_free_quotas()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000);
        await using (var db = api.CreateDbContext())
        {
            await db.Subscriptions.Where(s => s.TenantId == tenantId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, "past_due").SetProperty(x => x.PaymentFailedAt, DateTimeOffset.UtcNow.AddDays(-8)), TestContext.Current.CancellationToken);
        }

        using var http = api.CreateClient(key);
        var response = await CompleteAsync(http);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("10000", Values(response, "X-Quota-Limit")[0]);
    }

    [Fact]
    public async Task Consume_is_idempotent_per_key()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = api.CreateClient(key);
        var request = new { metric = "agent_executions", amount = 4, idempotencyKey = "job-17" };

        var first = await (await http.PostAsJsonAsync("/api/v1/entitlements/consume", request, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var replay = await (await http.PostAsJsonAsync("/api/v1/entitlements/consume", request, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.True(first.GetProperty("consumed").GetBoolean());
        Assert.Equal(4, first.GetProperty("used").GetInt64());
        Assert.Equal("allow", replay.GetProperty("decision").GetString());
        Assert.False(replay.GetProperty("consumed").GetBoolean());
        await using var db = api.CreateDbContext();
        Assert.Equal(4, await db.UsageEvents.Where(e => e.TenantId == tenantId).SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_consume_key_holding_nul_is_a_validation_problem_and_consumes_nothing()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = api.CreateClient(key);

        var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { metric = "agent_executions", amount = 1, idempotencyKey = "job\u0000" }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var check = await (await http.PostAsJsonAsync("/api/v1/entitlements/check", new { metric = "agent_executions", amount = 1 }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("U+0000", problem.GetProperty("errors").GetProperty("idempotencyKey")[0].GetString());
        Assert.Equal(0, check.GetProperty("used").GetInt64());
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Consume_without_an_idempotency_key_is_a_validation_problem()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = api.CreateClient(key);

        var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric = "api_calls", amount = 1 }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("idempotencyKey", out _));
    }

    [Fact]
    public async Task Fields_the_framework_refuses_are_named_as_in_the_body_and_nothing_is_consumed()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        using var http = api.CreateClient(key);

        var entitlement = await http.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { amount = -1, idempotencyKey = "job-1" }, TestContext.Current.CancellationToken);
        var completion = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "", maxTokens = 0 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, entitlement.StatusCode);
        Assert.Equal(["amount", "metric"], await ErrorKeysAsync(entitlement));
        Assert.Equal(HttpStatusCode.BadRequest, completion.StatusCode);
        Assert.Equal(["maxTokens", "prompt"], await ErrorKeysAsync(completion));
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    private static async Task<string[]> ErrorKeysAsync(HttpResponseMessage response)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal)];
    }
}
