using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Enforcement;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// Quotas enforced by nginx's <c>auth_request</c> with the shipped configuration (deploy/gateway/nginx), against a real
/// nginx, two API replicas and a service that counts what reaches it.
/// </summary>
public sealed class NginxGatewayTests(NginxGatewayFixture gateway) : NginxGatewaySpecifications, IClassFixture<NginxGatewayFixture>
{
    protected override NginxGatewayFixture Gateway => gateway;

    [Fact]
    public void The_installed_nginx_has_the_auth_request_module() =>
        Assert.Contains("--with-http_auth_request_module", NginxServer.BuildInformation(), StringComparison.Ordinal);

    [Fact]
    public async Task An_allowed_request_reaches_the_service_with_the_quota_headers_and_is_recorded_once_under_nginx_request_id()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        await gateway.Api.SeedUsageAsync(tenantId, "api_calls", 100);
        using var http = gateway.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{}") };
        request.Headers.Add("X-Request-Id", "chosen-by-the-client");
        request.Headers.Add("X-Quota-Remaining", "999999");

        using var response = await http.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"served":true}""", await response.Content.ReadAsStringAsync(Cancel));
        var served = Assert.Single(gateway.ReceivedWith(key));
        Assert.Equal("/v1/chat/completions", served.PathAndQuery);
        Assert.Equal("api_calls", served.Headers["X-Quota-Metric"]);
        Assert.Equal("10000", served.Headers["X-Quota-Limit"]);
        Assert.Equal("101", served.Headers["X-Quota-Used"]);
        Assert.Equal("9899", served.Headers["X-Quota-Remaining"]);
        Assert.True(DateTimeOffset.TryParse(served.Headers["X-Quota-Reset"], CultureInfo.InvariantCulture, out _));
        Assert.False(served.Headers.ContainsKey("X-Quota-Warning"));
        // The client sees the same state on the service's answer.
        Assert.Equal("api_calls", Header(response, "X-Quota-Metric"));
        Assert.Equal("101", Header(response, "X-Quota-Used"));
        Assert.Equal("9899", Header(response, "X-Quota-Remaining"));

        // nginx's own $request_id, not the client's, keys the usage the service's request was recorded under.
        var requestId = served.Headers["X-Request-Id"];
        Assert.Matches("^[0-9a-f]{32}$", requestId);
        await gateway.UsageDrainedAsync();
        await using var db = gateway.Api.CreateDbContext();
        var recorded = await db.UsageEvents.Where(e => e.TenantId == tenantId && e.EventId.StartsWith("gw:"))
            .Select(e => new { e.EventId, e.Metric, e.Value }).ToListAsync(Cancel);
        var single = Assert.Single(recorded);
        Assert.Equal(($"gw:{requestId}:api_calls", "api_calls", 1L), (single.EventId, single.Metric, single.Value));
    }

    [Fact]
    public async Task A_route_with_several_metrics_charges_each_and_shows_them_in_order()
    {
        var (_, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        using var http = gateway.Client(key);

        using var response = await http.PostAsync("/v1/agents/run", new StringContent("{}"), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Assert.Single(gateway.ReceivedWith(key));
        Assert.Equal("api_calls, agent_executions", served.Headers["X-Quota-Metric"]);
        Assert.Equal("2, 1", served.Headers["X-Quota-Used"]);
        Assert.Equal("9998, 99", served.Headers["X-Quota-Remaining"]);
    }

    [Theory]
    [InlineData(true, "unknown")]
    [InlineData(false, "Send an API key")]
    public async Task A_missing_or_unknown_key_gets_401_and_the_service_is_never_called(bool sendKey, string detail)
    {
        var (_, issued) = await gateway.Api.CreateTenantWithKeyAsync("free");
        var unknown = issued[..^1] + (issued[^1] == 'a' ? 'b' : 'a');
        var before = gateway.Upstream.Count;
        using var http = gateway.Client(sendKey ? unknown : null);

        using var response = await ChatAsync(http);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", Header(response, "WWW-Authenticate"), StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, gateway.Upstream.Count);
    }

    [Fact]
    public async Task A_key_without_the_ingest_scope_gets_403_naming_the_scope()
    {
        var (tenantId, _) = await gateway.Api.CreateTenantWithKeyAsync("standard");
        var readOnly = await gateway.Api.CreateKeyAsync(tenantId, "read");
        using var http = gateway.Client(readOnly);

        using var response = await ChatAsync(http);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.EndsWith("/insufficient-scope", problem.GetProperty("type").GetString());
        Assert.Equal("ingest", problem.GetProperty("requiredScope").GetString());
        Assert.Empty(gateway.ReceivedWith(readOnly));
    }

    [Fact]
    public async Task Two_hundred_concurrent_requests_with_37_remaining_let_exactly_37_reach_the_service_through_two_replicas()
    {
        var (first, second) = (gateway.First.Authorizations, gateway.Second.Authorizations);

        var (tenantId, key) = await ExactlyThirtySevenOfTwoHundredAsync();

        Assert.True(gateway.First.Authorizations > first && gateway.Second.Authorizations > second, "nginx asked both API replicas");
        await gateway.UsageDrainedAsync();
        using var usage = gateway.Api.CreateClient(key);
        Assert.Equal(10_000, await MeteredCalls.UsedAsync(usage, "api_calls"));
        await using var db = gateway.Api.CreateDbContext();
        Assert.Equal(37, await db.UsageEvents.CountAsync(e => e.TenantId == tenantId && e.EventId.StartsWith("gw:"), Cancel));
    }

    [Fact]
    public async Task A_path_spelled_differently_is_charged_as_the_route_nginx_serves()
    {
        var (_, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        using var http = gateway.Client(key);

        using var response = await http.PostAsync("/v1//chat/./%63ompletions", new StringContent("{}"), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("api_calls", Header(response, "X-Quota-Metric"));
        Assert.Equal("1", Header(response, "X-Quota-Used"));
    }

    [Fact]
    public async Task Unmatched_and_free_routes_pass_without_quota_headers_and_record_nothing()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        using var http = gateway.Client(key);

        using var unmatched = await http.GetAsync("/v1/documents/7", Cancel);
        using var free = await http.GetAsync("/v1/status", Cancel);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (unmatched.StatusCode, free.StatusCode));
        Assert.All(gateway.ReceivedWith(key), r => Assert.False(r.Headers.ContainsKey("X-Quota-Metric")));
        Assert.Equal(2, gateway.ReceivedWith(key).Count);
        Assert.False(unmatched.Headers.Contains("X-Quota-Metric"));
        await gateway.UsageDrainedAsync();
        await using var db = gateway.Api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId && e.EventId.StartsWith("gw:"), Cancel));
    }

    [Fact]
    public async Task An_unprotected_location_is_served_without_a_key()
    {
        using var http = gateway.Client(null);

        using var response = await http.GetAsync("/healthz", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("closed", HttpStatusCode.ServiceUnavailable)]
    [InlineData("open", HttpStatusCode.OK)]
    public async Task With_the_billing_API_unreachable_the_location_failure_policy_decides(string policy, HttpStatusCode expected)
    {
        await using var upstream = await CountingUpstream.StartAsync();
        await using var nginx = new NginxServer([new Uri($"http://127.0.0.1:{LocalServerProcess.FreePort()}")], upstream.Address, policy);
        await nginx.StartAsync(Cancel);
        using var http = new HttpClient { BaseAddress = nginx.Address };

        using var response = await ChatAsync(http);

        Assert.Equal(expected, response.StatusCode);
        if (policy == "closed")
        {
            Assert.Equal("5", Header(response, "Retry-After"));
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            Assert.EndsWith("/quota-authorizer-unavailable", problem.GetProperty("type").GetString());
            Assert.Equal(0, upstream.Count);
        }
        else
        {
            Assert.Equal(1, upstream.Count);
            Assert.False(upstream.Received[0].Headers.ContainsKey("X-Quota-Metric"));
        }
    }
}
