using System.Net;
using System.Text.Json;
using Billing.Api.Auth;
using Billing.Infrastructure.Security;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

using static Billing.Api.Tests.Enforcement.MeteredCalls;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// With PostgreSQL unreachable, a tenant this replica has served keeps being served from the last plan and key it loaded
/// (its usage waits in the usage stream), and a request that needs the database anyway is answered 503 with
/// <c>Retry-After</c>, not 500.
/// </summary>
public sealed class PostgresOutageTests
{
    [Fact]
    public async Task A_served_tenant_is_served_on_from_its_last_known_plan_and_key_and_an_unseen_one_gets_503_with_retry_after()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var isolated = await IsolatedApi.StartAsync();
        var (stores, api) = (isolated.Stores, isolated.Api);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var (_, unseenKey) = await api.CreateTenantWithKeyAsync("standard", "Unseen");
        using var http = api.CreateClient(key);
        using var unseen = api.CreateClient(unseenKey);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        await api.UsageDrainedAsync();

        await stores.Postgres.StopAsync();
        // As if the outage had outlasted the few seconds the plan and the key are cached for.
        var cache = api.Services.GetRequiredService<IMemoryCache>();
        cache.Remove(TenantBillingStore.CacheKey(tenantId));
        cache.Remove(ApiKeyVerifier.CacheKey(ApiKeySecrets.Hash(key)));
        using var served = await CompleteAsync(http);
        using var refused = await CompleteAsync(unseen);
        using var ingestion = await http.PostAsync("/api/v1/usage/events", new StringContent(
            """{"events":[{"id":"during-outage","metric":"api_calls","value":1}]}""", System.Text.Encoding.UTF8, "application/json"), ct);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct)).RootElement;
        await stores.Postgres.StartAsync(ct);
        await api.UsageDrainedAsync();

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("5", refused.Headers.RetryAfter?.ToString());
        Assert.EndsWith("/store-unavailable", problem.GetProperty("type").GetString());
        // Ingestion cannot go on without PostgreSQL: a 503 that says when to come back.
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "5"), (ingestion.StatusCode, ingestion.Headers.RetryAfter?.ToString()));
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(2, recorded["api_calls"].Sum(e => e.Value));
        Assert.Equal(2 * TokensPerCall, recorded["llm_tokens"].Sum(e => e.Value));
    }

    [Fact]
    public async Task A_key_revoked_before_the_outage_is_not_served_from_its_last_known_value()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var isolated = await IsolatedApi.StartAsync();
        var (stores, api) = (isolated.Stores, isolated.Api);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var http = api.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        var current = JsonDocument.Parse(await http.GetStringAsync("/api/v1/api-keys/current", ct)).RootElement;
        using (var operatorHttp = api.CreateOperatorClient())
        {
            Assert.Equal(HttpStatusCode.NoContent,
                (await operatorHttp.DeleteAsync($"/api/v1/tenants/{tenantId}/api-keys/{current.GetProperty("id").GetGuid()}", ct)).StatusCode);
        }

        await stores.Postgres.StopAsync();
        using var response = await CompleteAsync(http);
        await stores.Postgres.StartAsync(ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
