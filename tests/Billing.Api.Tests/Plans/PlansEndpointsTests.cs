using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Billing.Api.Tests.Plans;

public sealed class PlansEndpointsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("free", 0L, "llm_tokens", 100_000L, "hard", null)]
    [InlineData("free", 0L, "user_seats", 3L, "hard", null)]
    [InlineData("standard", 9900L, "api_calls", 1_000_000L, "soft", 100.0)]
    [InlineData("standard", 9900L, "user_seats", 25L, "hard", null)]
    [InlineData("enterprise", 99900L, "agent_executions", 200_000L, "soft", 1.0)]
    [InlineData("enterprise", 99900L, "storage_mb", 1_048_576L, "soft", 5.0)]
    public async Task Plans_are_public_and_list_each_quota_with_its_price(
        string plan, long basePriceCents, string metric, long included, string cap, double? overageAmountCents)
    {
        using var http = api.CreateClient(bearer: null);

        var body = await http.GetFromJsonAsync<JsonElement>("/api/v1/plans", TestContext.Current.CancellationToken);

        var found = body.GetProperty("plans").EnumerateArray().Single(p => p.GetProperty("id").GetString() == plan);
        Assert.Equal(basePriceCents, found.GetProperty("basePriceCents").GetInt64());
        Assert.Equal(5, found.GetProperty("quotas").GetArrayLength());
        var quota = found.GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("metric").GetString() == metric);
        Assert.Equal(included, quota.GetProperty("included").GetInt64());
        Assert.Equal(cap, quota.GetProperty("cap").GetString());
        var overage = quota.GetProperty("overage");
        if (overageAmountCents is null)
        {
            Assert.Equal(JsonValueKind.Null, overage.ValueKind);
        }
        else
        {
            Assert.Equal((decimal)overageAmountCents.Value, overage.GetProperty("amountCents").GetDecimal());
        }
    }

    [Fact]
    public async Task Standard_seats_block_at_the_grace_edge()
    {
        using var http = api.CreateClient(bearer: null);

        var body = await http.GetFromJsonAsync<JsonElement>("/api/v1/plans", TestContext.Current.CancellationToken);

        var seats = body.GetProperty("plans").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "standard")
            .GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("metric").GetString() == "user_seats");
        Assert.Equal(20m, seats.GetProperty("gracePercent").GetDecimal());
        Assert.Equal(30, seats.GetProperty("hardLimit").GetInt64());
    }

    [Fact]
    public async Task OpenApi_document_describes_the_endpoints()
    {
        using var http = api.CreateClient(bearer: null);

        var response = await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/plans", paths);
        Assert.Contains("/api/v1/tenants", paths);
        Assert.Contains("/api/v1/tenants/{id}", paths);
        Assert.Contains("/api/v1/api-keys", paths);
    }
}
