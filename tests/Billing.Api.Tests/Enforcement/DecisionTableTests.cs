using System.Net.Http.Json;
using System.Text.Json;

namespace Billing.Api.Tests.Enforcement;

/// <summary>Every plan × metric × position (below, at included, inside grace, beyond) against its cap mode.</summary>
public sealed class DecisionTableTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public static TheoryData<string, string, long, string> Table()
    {
        // plan, metric, used before a request of 1 unit (counters) or of a level 1 above (gauges), expected decision.
        var rows = new TheoryData<string, string, long, string>();
        void Hard(string plan, string metric, long included)
        {
            rows.Add(plan, metric, included - 1, "allow");
            rows.Add(plan, metric, included, "deny");
            rows.Add(plan, metric, included + 5, "deny");
        }

        void Soft(string plan, string metric, long included)
        {
            rows.Add(plan, metric, included - 1, "allow");
            rows.Add(plan, metric, included, "warn");
            rows.Add(plan, metric, included * 3, "warn");
        }

        Hard("free", "llm_tokens", 100_000);
        Hard("free", "api_calls", 10_000);
        Hard("free", "agent_executions", 100);
        Hard("free", "storage_mb", 1_024);
        Hard("free", "user_seats", 3);
        Soft("standard", "llm_tokens", 10_000_000);
        Soft("standard", "api_calls", 1_000_000);
        Soft("standard", "agent_executions", 10_000);
        Soft("standard", "storage_mb", 102_400);
        // Standard seats: 25 included, hard with 20 % grace, so the limit is 30.
        rows.Add("standard", "user_seats", 24, "allow");
        rows.Add("standard", "user_seats", 25, "warn");
        rows.Add("standard", "user_seats", 29, "warn");
        rows.Add("standard", "user_seats", 30, "deny");
        rows.Add("standard", "user_seats", 31, "deny");
        Soft("enterprise", "llm_tokens", 100_000_000);
        Soft("enterprise", "api_calls", 20_000_000);
        Soft("enterprise", "agent_executions", 200_000);
        Soft("enterprise", "storage_mb", 1_048_576);
        Soft("enterprise", "user_seats", 500);
        return rows;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Check_decides_by_plan_cap_and_position(string plan, string metric, long used, string expected)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync(plan, $"{plan}-{metric}-{used}");
        await api.SeedUsageAsync(tenantId, metric, used);
        using var http = api.CreateClient(key);
        // A counter is asked for one unit more; a gauge (a level) for the level one above the recorded one.
        long amount = metric is "storage_mb" or "user_seats" ? used + 1 : 1;

        var body = await (await http.PostAsJsonAsync("/api/v1/entitlements/check", new { metric, amount }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(expected, body.GetProperty("decision").GetString());
        Assert.Equal(used, body.GetProperty("used").GetInt64());
        Assert.False(body.GetProperty("consumed").GetBoolean());
        if (expected != "allow")
        {
            Assert.False(string.IsNullOrEmpty(body.GetProperty("reason").GetString()));
        }
    }
}
