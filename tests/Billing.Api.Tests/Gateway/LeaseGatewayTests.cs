using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Enforcement;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// Quotas counted in nginx from leases (deploy/gateway/nginx-lease) against a real nginx with its Lua module, two API
/// replicas and a service that counts what reaches it. Leases last 6 s here (nginx closes them 2 s before), so each test sees its leases closed.
/// </summary>
public sealed class LeaseGatewayTests(LeaseGatewayFixture gateway) : NginxGatewaySpecifications, IClassFixture<LeaseGatewayFixture>
{
    protected override NginxGatewayFixture Gateway => gateway;

    /// <summary>The units recorded from leases (usage events <c>gwl:…</c>) of <paramref name="metric"/>, once both replicas drained.</summary>
    private async Task<long> LeaseUsageAsync(Guid tenantId, string metric = "api_calls")
    {
        await gateway.UsageDrainedAsync();
        await using var db = gateway.Api.CreateDbContext();
        return await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == metric && e.EventId.StartsWith("gwl:")).SumAsync(e => e.Value, Cancel);
    }

    /// <summary>Waits (up to 30 s) until the units recorded from leases are <paramref name="expected"/>: the leases reported.</summary>
    private async Task LeaseUsageBecomesAsync(Guid tenantId, long expected, string metric = "api_calls")
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long recorded;
        while ((recorded = await LeaseUsageAsync(tenantId, metric)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
        }

        Assert.True(recorded == expected, $"{recorded} units of {metric} recorded from leases, expected {expected}\n{File.ReadAllText(gateway.Nginx.ErrorLogPath)}");
    }

    /// <summary>Waits (up to 30 s) until the tenant's usage as <c>GET /usage</c> shows it is <paramref name="expected"/>: its leases closed.</summary>
    private async Task UsageBecomesAsync(string key, long expected, string metric = "api_calls")
    {
        using var usage = gateway.Api.CreateClient(key);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long used;
        while ((used = await MeteredCalls.UsedAsync(usage, metric)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
        }

        Assert.True(used == expected, $"usage of {metric} stayed {used}, expected {expected}\n{File.ReadAllText(gateway.Nginx.ErrorLogPath)}");
    }

    [Fact]
    public void The_installed_nginx_loads_the_lua_module() =>
        Assert.True(File.Exists("/usr/lib/nginx/modules/ngx_http_lua_module.so"), "libnginx-mod-http-lua is not installed: run eng/prerequisites.sh.");

    [Fact]
    public async Task An_allowed_request_reaches_the_service_with_the_quota_headers_and_is_recorded_once_when_its_lease_closes()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        await gateway.Api.SeedUsageAsync(tenantId, "api_calls", 100);
        using var http = gateway.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{}") };
        request.Headers.Add("X-Quota-Remaining", "999999");

        using var response = await http.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"served":true}""", await response.Content.ReadAsStringAsync(Cancel));
        var served = Assert.Single(gateway.ReceivedWith(key));
        Assert.Equal("api_calls", served.Headers["X-Quota-Metric"]);
        Assert.Equal("10000", served.Headers["X-Quota-Limit"]);
        Assert.Equal("101", served.Headers["X-Quota-Used"]);
        Assert.Equal("9899", served.Headers["X-Quota-Remaining"]);
        Assert.True(DateTimeOffset.TryParse(served.Headers["X-Quota-Reset"], CultureInfo.InvariantCulture, out _));
        Assert.Matches("^[0-9a-f]{32}$", served.Headers["X-Request-Id"]);
        Assert.Equal("101", Header(response, "X-Quota-Used"));
        Assert.Equal("9899", Header(response, "X-Quota-Remaining"));

        // The lease reserved up to 100 units; closed, it gives back the 99 not used and the one used stays recorded.
        await UsageBecomesAsync(key, 101);
        await LeaseUsageBecomesAsync(tenantId, 1);
    }

    [Fact]
    public async Task A_route_with_several_metrics_charges_each_per_request_and_shows_them_in_order()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        using var http = gateway.Client(key);

        using var first = await http.PostAsync("/v1/agents/run", new StringContent("{}"), Cancel);
        using var second = await http.PostAsync("/v1/agents/run", new StringContent("{}"), Cancel);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal("api_calls, agent_executions", Header(second, "X-Quota-Metric"));
        Assert.Equal("4, 2", Header(second, "X-Quota-Used"));
        Assert.Equal("9996, 98", Header(second, "X-Quota-Remaining"));
        await UsageBecomesAsync(key, 2, "agent_executions");
        await UsageBecomesAsync(key, 4);
        await LeaseUsageBecomesAsync(tenantId, 2, "agent_executions");
        await LeaseUsageBecomesAsync(tenantId, 4);
    }

    [Fact]
    public async Task An_unknown_key_gets_401_and_the_service_is_never_called()
    {
        var (_, issued) = await gateway.Api.CreateTenantWithKeyAsync("free");
        var unknown = issued[..^1] + (issued[^1] == 'a' ? 'b' : 'a');
        using var http = gateway.Client(unknown);

        using var response = await ChatAsync(http);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", Header(response, "WWW-Authenticate"), StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Contains("unknown", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(gateway.ReceivedWith(unknown));
    }

    [Fact]
    public async Task Two_hundred_concurrent_requests_with_37_remaining_let_exactly_37_reach_the_service_and_exactly_37_are_recorded()
    {
        var (first, second) = (gateway.First.Authorizations, gateway.Second.Authorizations);

        var (tenantId, key) = await ExactlyThirtySevenOfTwoHundredAsync();

        await LeaseUsageBecomesAsync(tenantId, 37);
        await UsageBecomesAsync(key, 10_000);
        Assert.True(gateway.First.Authorizations > first && gateway.Second.Authorizations > second, "nginx asked both API replicas");
    }

    [Fact]
    public async Task Units_a_closed_lease_gives_back_are_granted_again_and_the_cap_still_holds()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        await gateway.Api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 5);
        using var http = gateway.Client(key);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await ChatAsync(http);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // The lease of the 5 remaining closes with 3 used; the 2 it gives back are the only ones a new lease can have.
        await UsageBecomesAsync(key, 9_998);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await ChatAsync(http);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(5, gateway.ReceivedWith(key).Count);
        await LeaseUsageBecomesAsync(tenantId, 5);
        await UsageBecomesAsync(key, 10_000);
    }

    [Fact]
    public async Task A_request_an_internal_redirect_takes_through_the_access_phase_again_counts_once()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        // Counted on POST /v1/chat/moved, then sent by try_files to /v1/chat/completions, whose access phase runs again.
        await using var nginx = new NginxServer([gateway.First.Address, gateway.Second.Address], gateway.Upstream.Address, leases: true,
            extraLocations: """
                location = /v1/chat/moved {
                            set $billing_on_failure closed;
                            access_by_lua_block {
                                require("billing_lease").access()
                            }
                            try_files /nothing-here /v1/chat/completions;
                        }
                """);
        await nginx.StartAsync(Cancel);
        using var http = new HttpClient { BaseAddress = nginx.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        using var moved = await http.PostAsync("/v1/chat/moved", new StringContent("{}"), Cancel);
        using var next = await ChatAsync(http);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (moved.StatusCode, next.StatusCode));
        Assert.Equal(["/v1/chat/completions", "/v1/chat/completions"], gateway.ReceivedWith(key).Select(r => r.PathAndQuery));
        Assert.Equal("1", gateway.ReceivedWith(key)[0].Headers["X-Quota-Used"]);
        Assert.Equal("1", Header(moved, "X-Quota-Used"));
        Assert.Equal("2", Header(next, "X-Quota-Used"));
        await UsageBecomesAsync(key, 2);
        await LeaseUsageBecomesAsync(tenantId, 2);
    }

    [Fact]
    public async Task Unmatched_and_free_routes_pass_without_quota_headers_and_record_nothing()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        using var http = gateway.Client(key);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents/7");
        request.Headers.Add("X-Quota-Remaining", "999999");
        using var unmatched = await http.SendAsync(request, Cancel);
        using var free = await http.GetAsync("/v1/status", Cancel);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (unmatched.StatusCode, free.StatusCode));
        Assert.Equal(2, gateway.ReceivedWith(key).Count);
        Assert.All(gateway.ReceivedWith(key), r => Assert.False(r.Headers.ContainsKey("X-Quota-Metric")));
        Assert.All(gateway.ReceivedWith(key), r => Assert.False(r.Headers.ContainsKey("X-Quota-Remaining"), "the client's own quota header reached the service"));
        Assert.False(unmatched.Headers.Contains("X-Quota-Metric"));
        Assert.Equal(0, await LeaseUsageAsync(tenantId));
    }

    [Fact]
    public async Task An_abandoned_lease_expires_and_gives_its_unused_units_back_keeping_what_was_reported()
    {
        var (tenantId, key) = await gateway.Api.CreateTenantWithKeyAsync("free");
        await gateway.Api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 50);
        await using var upstream = await CountingUpstream.StartAsync();
        await using var nginx = new NginxServer([gateway.First.Address, gateway.Second.Address], upstream.Address, leases: true);
        await nginx.StartAsync(Cancel);
        using var http = new HttpClient { BaseAddress = nginx.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        for (var i = 0; i < 5; i++)
        {
            using var response = await ChatAsync(http);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The lease holds all 50 remaining; its count of 5 is reported within a second, then nginx dies before closing it.
        await LeaseUsageBecomesAsync(tenantId, 5);
        nginx.Kill();
        using var usage = gateway.Api.CreateClient(key);
        Assert.Equal(10_000, await MeteredCalls.UsedAsync(usage, "api_calls"));
        Assert.Equal(5, await LeaseUsageAsync(tenantId));

        // Expired (6 s) and past its grace (1 s), the API closes it: 45 units back, the 5 reported stay, once.
        await UsageBecomesAsync(key, 9_955);
        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);
        Assert.Equal(9_955, await MeteredCalls.UsedAsync(usage, "api_calls"));
        Assert.Equal(5, await LeaseUsageAsync(tenantId));
        Assert.Equal(5, upstream.Count);
    }

    [Theory]
    [InlineData("closed", HttpStatusCode.ServiceUnavailable)]
    [InlineData("open", HttpStatusCode.OK)]
    public async Task With_the_billing_API_unreachable_the_location_failure_policy_decides(string policy, HttpStatusCode expected)
    {
        await using var upstream = await CountingUpstream.StartAsync();
        await using var nginx = new NginxServer([new Uri($"http://127.0.0.1:{LocalServerProcess.FreePort()}")], upstream.Address, policy, leases: true);
        await nginx.StartAsync(Cancel);
        using var http = new HttpClient { BaseAddress = nginx.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "bk_unreachable");

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
