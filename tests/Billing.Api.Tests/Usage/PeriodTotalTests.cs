using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Domain.Metering;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Usage;

/// <summary>
/// A counter's total for a billing period never passes <see cref="UsageEventRules.MaxPeriodTotal"/> (2^53 − 1): what would
/// take it past is refused at ingestion with a 400 that says so, and nothing of the request is stored.
/// </summary>
public sealed class PeriodTotalTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static object Events(string prefix, int count, long value, string metric = "llm_tokens") =>
        new { events = Enumerable.Range(0, count).Select(i => new { id = $"{prefix}-{i}", metric, value }).ToArray() };

    private async Task<long> StoredAsync(Guid tenantId, string metric)
    {
        await using var db = api.CreateDbContext();
        return await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == metric).SumAsync(e => e.Value, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_tenant_can_fill_a_period_to_the_limit_and_no_further()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("enterprise");
        using var http = api.CreateClient(key);
        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < 9; request++)
        {
            // 1,000 events at the largest value each: 10^15 a request.
            statuses.Add((await http.PostAsJsonAsync("/api/v1/usage/events", Events($"r{request}", 1000, UsageEventRules.MaxValue), TestContext.Current.CancellationToken)).StatusCode);
        }

        var tooMuch = await http.PostAsJsonAsync("/api/v1/usage/events", Events("too-much", 1000, UsageEventRules.MaxValue), TestContext.Current.CancellationToken);
        var problem = await tooMuch.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var room = UsageEventRules.MaxPeriodTotal - (9 * 1000 * UsageEventRules.MaxValue);
        // 7,199,254,740,991 more: seven events at the largest value and the rest.
        var exactlyToTheLimit = await http.PostAsJsonAsync("/api/v1/usage/events", new
        {
            events = Enumerable.Range(0, 8).Select(i => new { id = $"fill-{i}", metric = "llm_tokens", value = i < 7 ? UsageEventRules.MaxValue : room - (7 * UsageEventRules.MaxValue) }),
        }, TestContext.Current.CancellationToken);
        var oneMore = await http.PostAsJsonAsync("/api/v1/usage/events", Events("one-more", 1, 1), TestContext.Current.CancellationToken);
        var otherMetric = await http.PostAsJsonAsync("/api/v1/usage/events", Events("calls", 1000, UsageEventRules.MaxValue, "api_calls"), TestContext.Current.CancellationToken);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Equal("application/problem+json", tooMuch.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/period-total-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal(("llm_tokens", 9_000_000_000_000_000L, 1_000_000_000_000_000L, UsageEventRules.MaxPeriodTotal),
            (problem.GetProperty("metric").GetString(), problem.GetProperty("used").GetInt64(), problem.GetProperty("adding").GetInt64(), problem.GetProperty("limit").GetInt64()));
        Assert.False(tooMuch.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, exactlyToTheLimit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, oneMore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherMetric.StatusCode);
        Assert.Equal(UsageEventRules.MaxPeriodTotal, await StoredAsync(tenantId, "llm_tokens"));
        var usage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        Assert.Equal(UsageEventRules.MaxPeriodTotal,
            usage.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "llm_tokens").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task A_counter_rebuilt_from_postgresql_is_checked_too()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        // Stored earlier in the period, with no Redis counter yet: admission rebuilds it before deciding.
        await api.SeedUsageAsync(tenantId, "agent_executions", UsageEventRules.MaxPeriodTotal - 10);
        using var http = api.CreateClient(key);

        var over = await http.PostAsJsonAsync("/api/v1/usage/events", Events("over", 1, 11, "agent_executions"), TestContext.Current.CancellationToken);
        var fits = await http.PostAsJsonAsync("/api/v1/usage/events", Events("fits", 1, 10, "agent_executions"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(UsageEventRules.MaxPeriodTotal, await StoredAsync(tenantId, "agent_executions"));
    }

    [Fact]
    public async Task Consuming_past_the_limit_is_refused_and_counts_nothing()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        await api.SeedUsageAsync(tenantId, "llm_tokens", UsageEventRules.MaxPeriodTotal - 5);
        using var http = api.CreateClient(key);

        var over = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric = "llm_tokens", amount = 6, idempotencyKey = "over" }, TestContext.Current.CancellationToken);
        var problem = await over.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var fits = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric = "llm_tokens", amount = 5, idempotencyKey = "fits" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.EndsWith("/period-total-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(UsageEventRules.MaxPeriodTotal, await StoredAsync(tenantId, "llm_tokens"));
    }

    [Fact]
    public async Task Gauges_report_levels_and_are_never_refused_for_their_total()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("enterprise");
        using var http = api.CreateClient(key);

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < 10; request++)
        {
            statuses.Add((await http.PostAsJsonAsync("/api/v1/usage/events", Events($"s{request}", 1000, UsageEventRules.MaxValue, "storage_mb"), TestContext.Current.CancellationToken)).StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        await using var db = api.CreateDbContext();
        Assert.Equal(10_000, await db.UsageEvents.CountAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }
}
