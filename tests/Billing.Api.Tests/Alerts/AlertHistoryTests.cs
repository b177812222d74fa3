using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Data.Entities;

namespace Billing.Api.Tests.Alerts;

/// <summary><c>GET /api/v1/alerts</c>: the tenant's alerts, newest first, in the shape the dashboard reads.</summary>
public sealed class AlertHistoryTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly DateTimeOffset October = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static UsageAlert Alert(Guid tenantId, string kind, string? metric, int threshold, DateTimeOffset periodStart, long value, long limit,
        DateTimeOffset createdAt, string status) => new()
        {
            Id = Guid.CreateVersion7(createdAt), TenantId = tenantId, Kind = kind, Metric = metric, ThresholdPercent = threshold,
            PeriodStart = periodStart, Value = value, Limit = limit, CreatedAt = createdAt, DeliveryStatus = status,
        };

    /// <summary>Alerts as the worker raises them: two periods, an included and a spend alert, several delivery outcomes.</summary>
    private async Task<List<UsageAlert>> SeedAsync(Guid tenantId)
    {
        List<UsageAlert> alerts =
        [
            Alert(tenantId, "included", "llm_tokens", 50, October, 5_000_000, 10_000_000, October.AddDays(3), "delivered"),
            Alert(tenantId, "included", "llm_tokens", 50, November, 6_000_000, 10_000_000, November.AddDays(2), "failed"),
            Alert(tenantId, "spend", null, 80, November, 21_900, 25_000, November.AddDays(5), "pending"),
            Alert(tenantId, "included", "llm_tokens", 80, November, 8_000_000, 10_000_000, November.AddDays(5), "skipped"),
        ];
        await using var db = api.CreateDbContext();
        db.UsageAlerts.AddRange(alerts);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return alerts;
    }

    private static Guid[] Ids(JsonElement body) => [.. body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    [Fact]
    public async Task The_history_lists_the_tenants_alerts_newest_first_with_every_field_the_dashboard_reads()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        var alerts = await SeedAsync(tenantId);
        using var http = api.CreateClient(key);

        var body = await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts", TestContext.Current.CancellationToken);

        Assert.Equal(["items"], body.EnumerateObject().Select(p => p.Name));
        var items = body.GetProperty("items").EnumerateArray().ToList();
        var sameTime = alerts.Where(a => a.CreatedAt == November.AddDays(5)).Select(a => a.Id).OrderDescending();
        Assert.Equal([.. sameTime, alerts[1].Id, alerts[0].Id], items.Select(i => i.GetProperty("id").GetGuid()));
        var spend = items.Single(i => i.GetProperty("kind").GetString() == "spend");
        Assert.Equal(
            ["id", "kind", "metric", "thresholdPercent", "periodStart", "value", "limit", "createdAt", "deliveryStatus"],
            spend.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, spend.GetProperty("metric").ValueKind);
        Assert.Equal(80, spend.GetProperty("thresholdPercent").GetInt32());
        Assert.Equal(November, spend.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(21_900, spend.GetProperty("value").GetInt64());
        Assert.Equal(25_000, spend.GetProperty("limit").GetInt64());
        Assert.Equal(November.AddDays(5), spend.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal("pending", spend.GetProperty("deliveryStatus").GetString());
        var oldest = items[^1];
        Assert.Equal(("included", "llm_tokens", 5_000_000L, 10_000_000L, "delivered", October),
            (oldest.GetProperty("kind").GetString(), oldest.GetProperty("metric").GetString(), oldest.GetProperty("value").GetInt64(),
             oldest.GetProperty("limit").GetInt64(), oldest.GetProperty("deliveryStatus").GetString(), oldest.GetProperty("periodStart").GetDateTimeOffset()));
    }

    [Fact]
    public async Task Pages_follow_each_other_without_gaps_or_repeats()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        await SeedAsync(tenantId);
        using var http = api.CreateClient(key);
        var all = Ids(await http.GetFromJsonAsync<JsonElement>("/api/v1/alerts", TestContext.Current.CancellationToken));

        var pages = new List<Guid>();
        Guid? before = null;
        for (var page = 0; page < 10; page++)
        {
            var ids = Ids(await http.GetFromJsonAsync<JsonElement>($"/api/v1/alerts?limit=1{(before is null ? "" : $"&before={before}")}", TestContext.Current.CancellationToken));
            if (ids.Length == 0)
            {
                break;
            }

            Assert.Single(ids);
            pages.AddRange(ids);
            before = ids[^1];
        }

        Assert.Equal(all, pages);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("before=0193a1b2-0000-7000-8000-000000000000", "before")]
    public async Task Bad_paging_is_a_validation_problem(string query, string field)
    {
        var (_, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var response = await http.GetAsync($"/api/v1/alerts?{query}", TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task A_tenant_sees_only_its_own_alerts_and_cannot_page_from_another_tenants()
    {
        var (tenantA, keyA) = await api.CreateTenantWithKeyAsync(name: "Tenant A");
        var (tenantB, keyB) = await api.CreateTenantWithKeyAsync(name: "Tenant B");
        var alertsA = await SeedAsync(tenantA);
        var alertsB = await SeedAsync(tenantB);
        using var httpA = api.CreateClient(keyA);
        using var httpB = api.CreateClient(keyB);

        var seenByA = Ids(await httpA.GetFromJsonAsync<JsonElement>("/api/v1/alerts", TestContext.Current.CancellationToken));
        var seenByB = Ids(await httpB.GetFromJsonAsync<JsonElement>("/api/v1/alerts", TestContext.Current.CancellationToken));
        var fromBsCursor = await httpA.GetAsync($"/api/v1/alerts?before={alertsB[0].Id}", TestContext.Current.CancellationToken);

        Assert.Equal(alertsA.Select(a => a.Id).Order(), seenByA.Order());
        Assert.Equal(alertsB.Select(a => a.Id).Order(), seenByB.Order());
        Assert.Equal(HttpStatusCode.BadRequest, fromBsCursor.StatusCode);
    }
}
