using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Api.Enforcement;
using Billing.Domain.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

using static Billing.Api.Tests.Enforcement.MeteredCalls;

namespace Billing.Api.Tests.Enforcement;

/// <summary>Gauges (seats, storage) are levels: checked as a level against the limit, never consumed.</summary>
public sealed class GaugeEntitlementTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static async Task ReportLevelAsync(HttpClient http, string metric, long level) =>
        (await http.PostAsync("/api/v1/usage/events", new StringContent(
            JsonSerializer.Serialize(new { events = new[] { new { id = $"{metric}-{level}-{Guid.NewGuid():N}", metric, value = level, timestamp = DateTimeOffset.UtcNow } } }),
            Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

    private static async Task<JsonElement> CheckAsync(HttpClient http, string metric, long amount) =>
        await (await http.PostAsJsonAsync("/api/v1/entitlements/check", new { metric, amount }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

    [Theory]
    [InlineData("user_seats")]
    [InlineData("storage_mb")]
    public async Task Consuming_a_gauge_is_a_400_problem_and_leaves_its_level_alone(string metric)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard", metric);
        using var http = api.CreateClient(key);
        await ReportLevelAsync(http, metric, 20);

        var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { metric, amount = 1, idempotencyKey = "add-one" }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/gauge-not-consumable", problem.GetProperty("type").GetString());
        Assert.Contains("/api/v1/usage/events", problem.GetProperty("errors").GetProperty("metric")[0].GetString());
        Assert.Equal(20, await UsedAsync(http, metric));
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId && e.EventId.StartsWith("consume:"), TestContext.Current.CancellationToken));
    }

    [Theory]
    // Standard seats: 25 included, hard with 20 % grace up to 30; 29 recorded.
    [InlineData("standard", "user_seats", 29, 10, "allow", 20)]
    [InlineData("standard", "user_seats", 29, 26, "warn", 4)]
    [InlineData("standard", "user_seats", 29, 30, "warn", 0)]
    [InlineData("standard", "user_seats", 29, 31, "deny", 0)]
    // Free storage: 1,024 MB hard; the period's maximum so far is 1,000.
    [InlineData("free", "storage_mb", 1_000, 500, "allow", 524)]
    [InlineData("free", "storage_mb", 1_000, 1_025, "deny", 0)]
    public async Task Checking_a_gauge_compares_the_requested_level_with_the_limit(
        string plan, string metric, long recorded, long level, string expected, long remaining)
    {
        var (_, key) = await api.CreateTenantWithKeyAsync(plan, $"{metric}-{level}");
        using var http = api.CreateClient(key);
        await ReportLevelAsync(http, metric, recorded);

        var body = await CheckAsync(http, metric, level);

        Assert.Equal(expected, body.GetProperty("decision").GetString());
        Assert.Equal(recorded, body.GetProperty("used").GetInt64());
        Assert.Equal(remaining, body.GetProperty("remaining").GetInt64());
        Assert.False(body.GetProperty("consumed").GetBoolean());
        Assert.Equal(recorded, await UsedAsync(http, metric));
    }

    [Fact]
    public void A_gauge_cannot_guard_a_route()
    {
        var app = WebApplication.CreateBuilder().Build();

        var error = Assert.Throws<ArgumentException>(() => app.MapGroup("/seats").RequireQuota(Metric.UserSeats));

        Assert.Contains("gauge", error.Message, StringComparison.Ordinal);
    }
}
