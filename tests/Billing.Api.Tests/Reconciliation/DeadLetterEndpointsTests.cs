using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Billing.Api.Tests.Reconciliation;

/// <summary><c>GET /api/v1/metering/dead-letters</c>: the operator's list of usage events set aside by the aggregation.</summary>
public sealed class DeadLetterEndpointsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task SetAsideAsync(Guid tenantId, params string[] eventIds)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        foreach (var id in eventIds)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, set_aside_at, set_aside_reason)
                VALUES (@t, @id, 'llm_tokens', 7, now(), now(), 'the reason for ' || @id)
                """, connection);
            command.Parameters.AddWithValue("t", tenantId);
            command.Parameters.AddWithValue("id", id);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task The_operator_pages_through_set_aside_events_newest_first_by_tenant()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync(name: "set-aside");
        var (otherId, _) = await api.CreateTenantWithKeyAsync(name: "other");
        await SetAsideAsync(tenantId, "a", "b", "c");
        await SetAsideAsync(otherId, "x");
        await api.SeedUsageAsync(tenantId, "llm_tokens", 5);
        using var http = api.CreateOperatorClient();

        var first = await http.GetFromJsonAsync<JsonElement[]>($"/api/v1/metering/dead-letters?tenantId={tenantId}&limit=2", TestContext.Current.CancellationToken);
        var next = await http.GetFromJsonAsync<JsonElement[]>(
            $"/api/v1/metering/dead-letters?tenantId={tenantId}&limit=2&before={first![1].GetProperty("id").GetInt64()}", TestContext.Current.CancellationToken);

        Assert.Equal(["c", "b"], first.Select(d => d.GetProperty("eventId").GetString()));
        Assert.Equal(["a"], next!.Select(d => d.GetProperty("eventId").GetString()));
        Assert.Equal("the reason for c", first[0].GetProperty("reason").GetString());
        Assert.Equal((tenantId, "llm_tokens", 7L), (first[0].GetProperty("tenantId").GetGuid(), first[0].GetProperty("metric").GetString(), first[0].GetProperty("value").GetInt64()));
    }

    [Fact]
    public async Task A_tenant_key_cannot_list_them()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        await SetAsideAsync(tenantId, "mine");
        using var http = api.CreateClient(key);

        var response = await http.GetAsync("/api/v1/metering/dead-letters", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
