using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Usage;

/// <summary>Metric keys sent by clients are exact: <c>API_CALLS</c> is an unknown metric, not <c>api_calls</c>.</summary>
public sealed class ExactMetricKeysTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public static TheoryData<string> Spellings() => ["API_CALLS", "Api_Calls", "api_calls ", "ａｐｉ_calls", "llm_tokenſ"];

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task A_usage_event_with_another_spelling_is_refused_and_nothing_is_stored(string metric)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var problem = await ProblemAsync(await http.PostAsJsonAsync("/api/v1/usage/events",
            new { events = new[] { new { id = "e1", metric, value = 1 } } }, TestContext.Current.CancellationToken));

        Assert.Contains("Unknown metric", problem.GetProperty("errors").GetProperty("events[0].metric")[0].GetString());
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task An_entitlement_check_or_consume_with_another_spelling_is_refused(string metric)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var check = await ProblemAsync(await http.PostAsJsonAsync("/api/v1/entitlements/check", new { metric, amount = 1 }, TestContext.Current.CancellationToken));
        var consume = await ProblemAsync(await http.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { metric, amount = 1, idempotencyKey = "k1" }, TestContext.Current.CancellationToken));

        Assert.True(check.GetProperty("errors").TryGetProperty("metric", out _));
        Assert.True(consume.GetProperty("errors").TryGetProperty("metric", out _));
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task An_override_with_another_spelling_is_refused_and_nothing_changes(string metric)
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateOperatorClient();

        var problem = await ProblemAsync(await http.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/overrides",
            new { quotas = new Dictionary<string, object> { [metric] = new { included = 5 } } }, TestContext.Current.CancellationToken));

        Assert.Contains("Unknown metric", problem.GetProperty("errors").GetProperty($"quotas.{metric}")[0].GetString());
        await using var db = api.CreateDbContext();
        Assert.Null(await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Overrides).SingleAsync(TestContext.Current.CancellationToken));
    }
}
