using Billing.Infrastructure.Redis;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Enforcement;
using Billing.Infrastructure.Quotas;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// The lease endpoints a counting gateway uses (<c>/api/v1/gateway/routes</c>, <c>/leases</c>, <c>/leases/{id}/usage</c>),
/// at the HTTP level against a replica with the tests' routes and 6-second leases.
/// </summary>
public sealed class GatewayLeaseEndpointsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Chat = "POST /v1/chat/*";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static HttpClient Client(GatewayReplica replica, string key)
    {
        var http = replica.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static Task<HttpResponseMessage> GrantAsync(HttpClient http, object body) => http.PostAsJsonAsync("/api/v1/gateway/leases", body, Cancel);

    private static Task<HttpResponseMessage> ReportAsync(HttpClient http, string leaseId, object body) =>
        http.PostAsJsonAsync($"/api/v1/gateway/leases/{leaseId}/usage", body, Cancel);

    private static async Task<(string Id, long Granted)> LeaseAsync(HttpClient http, long units, string route = Chat)
    {
        using var response = await GrantAsync(http, new { route, units });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lease = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return (lease.GetProperty("leaseId").GetString()!, lease.GetProperty("granted").GetInt64());
    }

    private async Task<long> UsedAsync(string key, string metric = "api_calls")
    {
        using var usage = api.CreateClient(key);
        return await MeteredCalls.UsedAsync(usage, metric);
    }

    private async Task<List<(string EventId, long Value)>> LeaseEventsAsync(GatewayReplica replica, Guid tenantId)
    {
        await ApiFactory.UsageDrainedAsync(replica.Services);
        await using var db = api.CreateDbContext();
        return [.. (await db.UsageEvents.Where(e => e.TenantId == tenantId && e.EventId.StartsWith("gwl:")).OrderBy(e => e.EventId)
            .Select(e => new { e.EventId, e.Value }).ToListAsync(Cancel)).Select(e => (e.EventId, e.Value))];
    }

    [Fact]
    public async Task The_route_table_lists_each_route_with_what_it_consumes()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);

        var table = await http.GetFromJsonAsync<JsonElement>("/api/v1/gateway/routes", Cancel);

        Assert.Equal("allow", table.GetProperty("unmatchedRoutes").GetString());
        Assert.Equal(6, table.GetProperty("leaseSeconds").GetInt32());
        var routes = table.GetProperty("routes").EnumerateArray().ToList();
        Assert.Equal([Chat, "POST /v1/agents/*", "GET /v1/status"], routes.Select(r => r.GetProperty("match").GetString()));
        Assert.Equal(("POST", "/v1/agents/*"), (routes[1].GetProperty("method").GetString(), routes[1].GetProperty("path").GetString()));
        Assert.Equal(2, routes[1].GetProperty("consume").GetProperty("api_calls").GetInt64());
        Assert.Equal(1, routes[1].GetProperty("consume").GetProperty("agent_executions").GetInt64());
        Assert.Empty(routes[2].GetProperty("consume").EnumerateObject());
    }

    [Fact]
    public async Task A_lease_reserves_its_units_at_once_and_its_final_report_records_the_used_and_gives_back_the_rest()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 100);
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);

        using var granted = await GrantAsync(http, new { route = Chat, units = 10 });
        var lease = await granted.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var leaseId = lease.GetProperty("leaseId").GetString()!;
        Assert.Equal(10, lease.GetProperty("granted").GetInt64());
        var quota = Assert.Single(lease.GetProperty("quotas").EnumerateArray());
        Assert.Equal(("api_calls", 10_000L, 100L, 1L), (quota.GetProperty("metric").GetString(), quota.GetProperty("limit").GetInt64(),
            quota.GetProperty("used").GetInt64(), quota.GetProperty("perUnit").GetInt64()));
        Assert.InRange(lease.GetProperty("expiresInSeconds").GetDouble(), 5.9, 6);
        Assert.Equal(110, await UsedAsync(key));

        using var partial = await ReportAsync(http, leaseId, new { used = 4 });
        Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        var state = await partial.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal((4L, 10L, false), (state.GetProperty("reported").GetInt64(), state.GetProperty("granted").GetInt64(), state.GetProperty("closed").GetBoolean()));
        Assert.Equal(110, await UsedAsync(key));

        using var final = await ReportAsync(http, leaseId, new { used = 7, final = true });
        Assert.True((await final.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("closed").GetBoolean());
        Assert.Equal(107, await UsedAsync(key));
        Assert.Equal([($"gwl:{leaseId}:4:api_calls", 4L), ($"gwl:{leaseId}:7:api_calls", 3L)], await LeaseEventsAsync(replica, tenantId));

        using var after = await ReportAsync(http, leaseId, new { used = 8 });
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.EndsWith("/gateway-lease-closed", (await after.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("type").GetString());
        Assert.Equal(107, await UsedAsync(key));
    }

    [Fact]
    public async Task A_counter_lives_as_long_as_the_leases_reserved_in_it()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 100);
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);
        Assert.Equal(100, await UsedAsync(key));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString);
        var counter = redis.GetServers()[0].Keys(pattern: $"usage:{RedisKeys.Tenant(tenantId)}:api_calls:*").Single();
        // The counter about to reach its time to live (a rebuilt counter lives 5 minutes).
        Assert.True(await redis.GetDatabase().KeyExpireAsync(counter, TimeSpan.FromMilliseconds(300)));

        await LeaseAsync(http, 10);
        await Task.Delay(TimeSpan.FromMilliseconds(600), Cancel);

        // Had it expired, its rebuild from PostgreSQL would hold 100: the lease's 10 units free for another grant.
        Assert.Equal(110, await UsedAsync(key));
        Assert.True((await redis.GetDatabase().KeyTimeToLiveAsync(counter))!.Value >= TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task A_repeated_or_older_report_records_nothing_more()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);
        var (leaseId, _) = await LeaseAsync(http, 10);

        foreach (var used in new[] { 5, 5, 3, 5 })
        {
            using var report = await ReportAsync(http, leaseId, new { used });
            Assert.Equal(5, (await report.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("reported").GetInt64());
        }

        using var final = await ReportAsync(http, leaseId, new { used = 5, final = true });
        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal([($"gwl:{leaseId}:5:api_calls", 5L)], await LeaseEventsAsync(replica, tenantId));
        Assert.Equal(5, await UsedAsync(key));
    }

    [Fact]
    public async Task A_report_left_in_flight_by_a_crash_is_recorded_once_by_the_next_report()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);
        var (leaseId, _) = await LeaseAsync(http, 10);
        using (var first = await ReportAsync(http, leaseId, new { used = 2 }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // A replica died after recording the report of 6 and before moving the lease's count to it (d stays 2, q is 6).
        var redis = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString);
        await using (redis)
        {
            using (var recorded = await ReportAsync(http, leaseId, new { used = 6 }))
            {
                Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
            }

            await redis.GetDatabase().HashSetAsync(RedisKeys.GatewayLease(tenantId, leaseId), [new("d", 2), new("q", 6)]);
        }

        using var next = await ReportAsync(http, leaseId, new { used = 8, final = true });

        Assert.Equal(8, (await next.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("reported").GetInt64());
        Assert.Equal([($"gwl:{leaseId}:2:api_calls", 2L), ($"gwl:{leaseId}:6:api_calls", 4L), ($"gwl:{leaseId}:8:api_calls", 2L)],
            await LeaseEventsAsync(replica, tenantId));
        Assert.Equal(8, await UsedAsync(key));
    }

    [Fact]
    public async Task Concurrent_grants_through_two_replicas_never_hand_out_more_than_remains_under_a_hard_cap()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 37);
        await using var first = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        await using var second = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var one = Client(first, key);
        using var two = Client(second, key);

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await GrantAsync(i % 2 == 0 ? one : two, new { route = Chat, units = 2 });
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>(Cancel));
        }));

        var granted = answers.Where(a => a.StatusCode == HttpStatusCode.OK).Select(a => a.Body.GetProperty("granted").GetInt64()).ToList();
        Assert.Equal(37, granted.Sum());
        Assert.Equal([1L], granted.Where(g => g != 2).ToList());
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode);
            Assert.EndsWith("/quota-exceeded", a.Body.GetProperty("type").GetString());
        });
        Assert.Equal(10_000, await UsedAsync(key));
    }

    [Fact]
    public async Task Nothing_left_under_a_hard_cap_is_the_authorizers_429_with_retry_after_and_quota_headers()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000);
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);

        using var response = await GrantAsync(http, new { route = Chat, units = 5 });

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.FromDays(27));
        Assert.Equal(["0"], response.Headers.GetValues("X-Quota-Remaining"));
        Assert.Equal(["10000"], response.Headers.GetValues("X-Quota-Used"));
        Assert.Equal(10_000, await UsedAsync(key));
    }

    [Fact]
    public async Task An_expired_lease_is_closed_by_the_api_keeping_what_was_reported_and_giving_back_the_rest()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);
        var (leaseId, _) = await LeaseAsync(http, 10);
        using (var report = await ReportAsync(http, leaseId, new { used = 4 }))
        {
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        }

        Assert.Equal(10, await UsedAsync(key));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await UsedAsync(key) != 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
        }

        Assert.Equal(4, await UsedAsync(key));
        Assert.Equal([($"gwl:{leaseId}:4:api_calls", 4L)], await LeaseEventsAsync(replica, tenantId));
        using var late = await ReportAsync(http, leaseId, new { used = 6, final = true });
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Equal(4, await UsedAsync(key));
    }

    public static TheoryData<string, string> BadGrants => new()
    {
        { """{"route":"POST /v1/unknown/*","units":5}""", "route" },
        { """{"route":"GET /v1/status","units":5}""", "route" },
        { """{"units":5}""", "route" },
        { """{"route":"POST /v1/chat/*","units":0}""", "units" },
        { """{"route":"POST /v1/chat/*","units":10001}""", "units" },
        { """{"route":"POST /v1/chat/*"}""", "units" },
    };

    [Theory]
    [MemberData(nameof(BadGrants))]
    public async Task A_bad_grant_is_a_problem_naming_the_field_and_reserves_nothing(string body, string field)
    {
        var (_, key) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);

        using var response = await http.PostAsync("/api/v1/gateway/leases", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, await UsedAsync(key));
    }

    [Fact]
    public async Task Bad_reports_are_problems_and_change_nothing()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        var (_, otherKey) = await api.CreateTenantWithKeyAsync("free");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, key);
        using var other = Client(replica, otherKey);
        var (leaseId, _) = await LeaseAsync(http, 10);

        using var negative = await ReportAsync(http, leaseId, new { used = -1 });
        using var tooMany = await ReportAsync(http, leaseId, new { used = 11 });
        using var malformedId = await ReportAsync(http, "not-a-lease", new { used = 1 });
        using var unknown = await ReportAsync(http, Guid.NewGuid().ToString("N"), new { used = 1 });
        using var othersLease = await ReportAsync(other, leaseId, new { used = 1, final = true });

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
            new[] { negative, tooMany, malformedId, unknown, othersLease }.Select(r => r.StatusCode));
        Assert.Contains("more than the 10", (await tooMany.Content.ReadAsStringAsync(Cancel)), StringComparison.Ordinal);
        Assert.Equal(10, await UsedAsync(key));
        Assert.Empty(await LeaseEventsAsync(replica, tenantId));
    }

    [Fact]
    public async Task A_key_without_the_ingest_scope_cannot_take_leases()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync("free");
        var readOnly = await api.CreateKeyAsync(tenantId, "read");
        await using var replica = GatewayReplica.Start(api, LeaseGatewayFixture.ShortLeases);
        using var http = Client(replica, readOnly);

        using var response = await GrantAsync(http, new { route = Chat, units = 5 });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("ingest", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("requiredScope").GetString());
    }
}
