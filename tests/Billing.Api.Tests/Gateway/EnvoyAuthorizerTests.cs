using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// The authorizer's answers to Envoy's HTTP ext_authz check requests, built as the shipped envoy.yaml makes Envoy build
/// them (see <see cref="EnvoyCheck"/>), and what Envoy would pass on.
/// </summary>
public sealed class EnvoyAuthorizerTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly EnvoyCheck Envoy = EnvoyCheck.Shipped;

    private static async Task<HttpResponseMessage> CheckAsync(
        GatewayReplica replica, string key, string requestId, string method = "POST", string path = "/v1/chat/completions?stream=false")
    {
        using var http = replica.CreateClient();
        using var check = Envoy.CheckRequest(new HttpMethod(method), path,
            ("authorization", $"Bearer {key}"), ("x-request-id", requestId), ("cookie", "session=never-sent"), ("x-forwarded-for", "198.51.100.7"));
        return await http.SendAsync(check, Cancel);
    }

    [Fact]
    public async Task An_allowed_check_is_200_and_envoy_passes_the_quota_headers_to_the_service()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 40);
        await using var replica = GatewayReplica.Start(api);

        using var answer = await CheckAsync(replica, key, "7b0c1d58-8d1e-4c43-9a55-0d2ab9a4f0e1");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("", await answer.Content.ReadAsStringAsync(Cancel));
        var upstream = Envoy.UpstreamHeaders(answer);
        Assert.Equal("api_calls", upstream["x-quota-metric"]);
        Assert.Equal("41", upstream["x-quota-used"]);
        Assert.Equal("9959", upstream["x-quota-remaining"]);
        Assert.Equal("10000", upstream["x-quota-limit"]);
        await ApiFactory.UsageDrainedAsync(replica.Services);
        await using var db = api.CreateDbContext();
        Assert.Equal(1, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.EventId == "gw:7b0c1d58-8d1e-4c43-9a55-0d2ab9a4f0e1:api_calls")
            .SumAsync(e => e.Value, Cancel));
    }

    [Fact]
    public async Task A_route_with_several_metrics_answers_one_header_line_per_quota_header()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api);

        using var answer = await CheckAsync(replica, key, "multi-1", path: "/v1/agents/plan");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(["api_calls, agent_executions"], answer.Headers.GetValues("X-Quota-Metric"));
        Assert.Equal(["2, 1"], answer.Headers.GetValues("X-Quota-Used"));
    }

    [Fact]
    public async Task Over_a_hard_cap_the_check_is_the_real_429_with_retry_after_and_the_problem_envoy_passes_to_the_client()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000);
        await using var replica = GatewayReplica.Start(api);

        using var answer = await CheckAsync(replica, key, "over-1");

        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.EndsWith("/quota-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal(10_000, problem.GetProperty("used").GetInt64());
        var client = Envoy.DeniedClientHeaders(answer);
        Assert.InRange(long.Parse(client["retry-after"], CultureInfo.InvariantCulture), 27L * 24 * 3600, 31L * 24 * 3600);
        Assert.Equal("application/problem+json", client["content-type"]);
        Assert.Equal("0", client["x-quota-remaining"]);
        Assert.False(answer.Headers.Contains("X-Quota-Status"), "Envoy gets the real status; the nginx translation stays out of it");
    }

    [Fact]
    public async Task A_cancelled_subscription_is_402_and_an_unknown_key_401_with_www_authenticate()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using (var db = api.CreateDbContext())
        {
            await db.Subscriptions.Where(s => s.TenantId == tenantId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, "canceled"), Cancel);
        }

        await using var replica = GatewayReplica.Start(api);

        using var cancelled = await CheckAsync(replica, key, "cancelled-1");
        using var unknown = await CheckAsync(replica, key[..^1] + (key[^1] == 'a' ? 'b' : 'a'), "unknown-1");

        Assert.Equal(HttpStatusCode.PaymentRequired, cancelled.StatusCode);
        Assert.EndsWith("/subscription-inactive", (await cancelled.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.StartsWith("Bearer", Envoy.DeniedClientHeaders(unknown)["www-authenticate"], StringComparison.Ordinal);
        Assert.Contains("unknown", (await unknown.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_repeated_on_another_replica_answers_the_same_and_counts_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 1);
        await using var first = GatewayReplica.Start(api);
        await using var second = GatewayReplica.Start(api);

        using var original = await CheckAsync(first, key, "retried-1");
        using var retried = await CheckAsync(second, key, "retried-1");
        using var next = await CheckAsync(second, key, "next-1");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (original.StatusCode, retried.StatusCode));
        Assert.Equal(["10000"], retried.Headers.GetValues("X-Quota-Used"));
        Assert.Equal(HttpStatusCode.TooManyRequests, next.StatusCode);
        await ApiFactory.UsageDrainedAsync(first.Services);
        await ApiFactory.UsageDrainedAsync(second.Services);
        using var usage = api.CreateClient(key);
        Assert.Equal(10_000, await Enforcement.MeteredCalls.UsedAsync(usage, "api_calls"));
    }

    [Fact]
    public async Task Without_a_request_id_the_check_is_a_400_problem_which_envoy_fails_closed()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api);
        using var http = replica.CreateClient();
        using var check = Envoy.CheckRequest(HttpMethod.Post, "/v1/chat/completions", ("authorization", $"Bearer {key}"));

        using var answer = await http.SendAsync(check, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.EndsWith("/gateway-request-invalid", problem.GetProperty("type").GetString());
        Assert.Contains("X-Request-Id", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_unmatched_routes_are_403_while_allowed_ones_pass_without_counting()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        await using var refusing = GatewayReplica.Start(api, ("Gateway:UnmatchedRoutes", "Refuse"));
        await using var allowing = GatewayReplica.Start(api);

        using var refused = await CheckAsync(refusing, key, "unmatched-1", "DELETE", "/v1/documents/3");
        using var allowed = await CheckAsync(allowing, key, "unmatched-2", "DELETE", "/v1/documents/3");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.EndsWith("/gateway-route-refused", problem.GetProperty("type").GetString());
        Assert.Equal("/v1/documents/3", problem.GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.False(allowed.Headers.Contains("X-Quota-Metric"));
    }

    [Fact]
    public async Task With_a_key_header_configured_the_key_is_read_there_and_authorization_is_left_to_the_service()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, ("Gateway:KeyHeader", "X-Api-Key"));
        using var http = replica.CreateClient();
        using var check = Envoy.CheckRequest(HttpMethod.Post, "/v1/chat/completions",
            ("authorization", "Basic c2VydmljZTpzZWNyZXQ="), ("x-request-id", "key-header-1"));
        check.Headers.Add("X-Api-Key", key);

        using var answer = await http.SendAsync(check, Cancel);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(["1"], answer.Headers.GetValues("X-Quota-Used"));
    }
}
