using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Api.Tests.ApiKeys;

/// <summary>At most <c>ApiKeys:MaxActivePerTenant</c> active keys a tenant, keys that expire, and what a key list shows.</summary>
public sealed class ApiKeyLimitsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> WithClock(FakeTimeProvider clock, int maxKeys) =>
        api.WithWebHostBuilder(b => b
            .UseSetting("ApiKeys:MaxActivePerTenant", maxKeys.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));

    private static Task<HttpResponseMessage> IssueAsync(HttpClient operatorHttp, Guid tenantId, object body) =>
        operatorHttp.PostAsJsonAsync($"/api/v1/tenants/{tenantId}/api-keys", body, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Concurrent_requests_never_issue_more_keys_than_the_limit()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        await using var limited = api.Replica(("ApiKeys:MaxActivePerTenant", "3"));
        using var http = limited.ClientWithKey(ApiFactory.OperatorKey);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => IssueAsync(http, tenantId, new { name = $"k{i}" })));
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.Conflict);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(6, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.EndsWith("/api-key-limit", problem.GetProperty("type").GetString());
        Assert.Contains("(3)", problem.GetProperty("detail").GetString());
        await using var db = api.CreateDbContext();
        Assert.Equal(3, await db.ApiKeys.CountAsync(k => k.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_revoked_or_expired_key_makes_room_for_another()
    {
        var start = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(start);
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        await using var limited = WithClock(clock, maxKeys: 3);
        using var http = limited.ClientWithKey(ApiFactory.OperatorKey);
        var expiring = await (await IssueAsync(http, tenantId, new { name = "expiring", expiresAt = start.AddHours(1) }))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var revocable = await (await IssueAsync(http, tenantId, new { name = "revocable" })).Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        var full = await IssueAsync(http, tenantId, new { name = "one too many" });
        (await http.DeleteAsync($"/api/v1/tenants/{tenantId}/api-keys/{revocable.GetProperty("id").GetGuid()}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var afterRevoke = await IssueAsync(http, tenantId, new { name = "after revoke" });
        var fullAgain = await IssueAsync(http, tenantId, new { name = "one too many again" });
        clock.Advance(TimeSpan.FromHours(2));
        var afterExpiry = await IssueAsync(http, tenantId, new { name = "after expiry" });

        Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
        Assert.Equal(HttpStatusCode.Created, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, fullAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Created, afterExpiry.StatusCode);
        Assert.Equal(start.AddHours(1), expiring.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task An_expired_key_is_refused_from_its_expiry_on_even_while_cached()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        await using var timed = WithClock(clock, maxKeys: 50);
        using var operatorHttp = timed.ClientWithKey(ApiFactory.OperatorKey);
        var created = await (await IssueAsync(operatorHttp, tenantId, new { name = "short-lived", scopes = new[] { "read" }, expiresAt = clock.GetUtcNow().AddMinutes(30) }))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        using var http = timed.ClientWithKey(created.GetProperty("key").GetString()!);

        var before = await http.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromMinutes(31));
        var after = await http.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken);
        var problem = await after.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"scopes":[]}""", "scopes")]
    [InlineData("""{"scopes":["ingest","admin"]}""", "scopes")]
    [InlineData("""{"scopes":["INGEST"]}""", "scopes")]
    [InlineData("""{"expiresAt":"2020-01-01T00:00:00Z"}""", "expiresAt")]
    public async Task An_invalid_scope_or_a_past_expiry_is_a_400_problem_and_no_key(string body, string field)
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateOperatorClient();

        var response = await http.PostAsync($"/api/v1/tenants/{tenantId}/api-keys",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        await using var db = api.CreateDbContext();
        Assert.Equal(1, await db.ApiKeys.CountAsync(k => k.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_key_list_shows_scopes_and_dates_and_never_a_secret()
    {
        var (tenantId, first) = await api.CreateTenantWithKeyAsync();
        using var operatorHttp = api.CreateOperatorClient();
        var expiresAt = DateTimeOffset.UtcNow.AddDays(30);
        var ingest = await (await IssueAsync(operatorHttp, tenantId, new { name = "ingestion service", scopes = new[] { "ingest" }, expiresAt }))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        using var http = api.CreateClient(first);

        var listing = await http.GetStringAsync("/api/v1/api-keys", TestContext.Current.CancellationToken);
        var keys = JsonDocument.Parse(listing).RootElement.EnumerateArray().ToList();

        Assert.Equal(2, keys.Count);
        var listed = keys.Single(k => k.GetProperty("id").GetGuid() == ingest.GetProperty("id").GetGuid());
        Assert.Equal(ingest.GetProperty("prefix").GetString(), listed.GetProperty("prefix").GetString());
        Assert.Equal(["ingest"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(expiresAt.ToUnixTimeMilliseconds(), listed.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(JsonValueKind.String, listed.GetProperty("createdAt").ValueKind);
        Assert.True(listed.TryGetProperty("lastUsedAt", out _));
        Assert.Equal(["ingest", "read", "manage"], keys.Single(k => k.GetProperty("id").GetGuid() != listed.GetProperty("id").GetGuid())
            .GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain(first[11..], listing);
        Assert.DoesNotContain(ingest.GetProperty("key").GetString()![11..], listing);
        Assert.DoesNotContain("\"key\"", listing);
    }
}
