using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Auth;

/// <summary>
/// Scopes: <c>ingest</c> sends usage and asks for entitlements, <c>read</c> reads, <c>manage</c> changes the plan, keys
/// and alert settings. A key without the scope an endpoint needs gets a 403 problem naming it, and nothing changes.
/// </summary>
public sealed class ApiKeyScopeTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string EventsBody() =>
        JsonSerializer.Serialize(new { events = new[] { new { id = $"e-{Guid.NewGuid():N}", metric = "api_calls", value = 1, timestamp = DateTimeOffset.UtcNow } } });

    private static HttpRequestMessage Request(string method, string path, string? json) =>
        new(new HttpMethod(method), path) { Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json") };

    public static TheoryData<string, string, string?, string, string> Refusals => new()
    {
        // method, path, body, the key's only scope, the scope the endpoint needs
        { "POST", "/api/v1/usage/events", EventsBody(), "read", "ingest" },
        { "POST", "/api/v1/entitlements/consume", """{"metric":"api_calls","amount":1,"idempotencyKey":"k-1"}""", "manage", "ingest" },
        { "POST", "/api/v1/llm/completions", """{"prompt":"hi","maxTokens":5}""", "read", "ingest" },
        { "GET", "/api/v1/usage", null, "ingest", "read" },
        { "GET", "/api/v1/invoices", null, "ingest", "read" },
        { "GET", "/api/v1/alerts", null, "manage", "read" },
        { "GET", "/api/v1/subscription", null, "ingest", "read" },
        { "POST", "/api/v1/subscription/change-plan", """{"plan":"enterprise","timing":"now"}""", "ingest", "manage" },
        { "POST", "/api/v1/subscription/cancel", """{"atPeriodEnd":false}""", "read", "manage" },
        { "POST", "/api/v1/api-keys", """{"name":"escalation"}""", "ingest", "manage" },
        { "GET", "/api/v1/api-keys", null, "read", "manage" },
        { "PUT", "/api/v1/alerts/settings", """{"webhookUrl":"https://hooks.example.com/x","spendLimitCents":100}""", "ingest", "manage" },
        { "POST", "/api/v1/alerts/settings/rotate-secret", null, "read", "manage" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_key_without_the_scope_gets_a_403_problem_naming_it_and_nothing_changes(
        string method, string path, string? body, string keyScope, string needed)
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(await api.CreateKeyAsync(tenantId, keyScope));

        var response = await http.SendAsync(Request(method, path, body), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/insufficient-scope", problem.GetProperty("type").GetString());
        Assert.Equal(needed, problem.GetProperty("requiredScope").GetString());
        Assert.Equal([keyScope], problem.GetProperty("keyScopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains($"'{needed}'", problem.GetProperty("detail").GetString());
        Assert.Equal($"Bearer error=\"insufficient_scope\", scope=\"{needed}\"", response.Headers.WwwAuthenticate.ToString());
        await using var db = api.CreateDbContext();
        Assert.False(await db.UsageEvents.AnyAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
        Assert.Equal(2, await db.ApiKeys.CountAsync(k => k.TenantId == tenantId, TestContext.Current.CancellationToken));
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken);
        Assert.Equal("standard", tenant.Plan);
        Assert.Null(tenant.AlertWebhookUrl);
        Assert.Equal("active", (await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task Each_scope_opens_its_own_endpoints()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var ingest = api.CreateClient(await api.CreateKeyAsync(tenantId, "ingest"));
        using var read = api.CreateClient(await api.CreateKeyAsync(tenantId, "read"));
        using var manage = api.CreateClient(await api.CreateKeyAsync(tenantId, "manage"));

        var events = await ingest.PostAsync("/api/v1/usage/events", new StringContent(EventsBody(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var check = await ingest.PostAsJsonAsync("/api/v1/entitlements/check", new { metric = "api_calls", amount = 1 }, TestContext.Current.CancellationToken);
        var usage = await read.GetAsync("/api/v1/usage", TestContext.Current.CancellationToken);
        var self = await read.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken);
        var settings = await manage.PutAsJsonAsync("/api/v1/alerts/settings", new { webhookUrl = "https://hooks.example.com/a", spendLimitCents = 100 }, TestContext.Current.CancellationToken);
        var keys = await manage.GetAsync("/api/v1/api-keys", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        await using var db = api.CreateDbContext();
        Assert.Equal(1, await db.UsageEvents.CountAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_key_cannot_create_a_key_with_a_scope_it_lacks()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var manageOnly = api.CreateClient(await api.CreateKeyAsync(tenantId, "manage"));

        var wider = await manageOnly.PostAsJsonAsync("/api/v1/api-keys", new { name = "wider", scopes = new[] { "manage", "ingest" } }, TestContext.Current.CancellationToken);
        var problem = await wider.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var same = await (await manageOnly.PostAsJsonAsync("/api/v1/api-keys", new { name = "same" }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, wider.StatusCode);
        Assert.Equal("ingest", problem.GetProperty("requiredScope").GetString());
        Assert.Equal(["manage"], same.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        await using var db = api.CreateDbContext();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.TenantId == tenantId && k.Name == "wider", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_key_tells_which_scopes_it_holds_whatever_they_are()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(await api.CreateKeyAsync(tenantId, "manage", "ingest"));

        var current = await http.GetFromJsonAsync<JsonElement>("/api/v1/api-keys/current", TestContext.Current.CancellationToken);

        Assert.Equal(tenantId, current.GetProperty("tenantId").GetGuid());
        Assert.Equal(["ingest", "manage"], current.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.StartsWith("bk_", current.GetProperty("prefix").GetString());
        Assert.False(current.TryGetProperty("key", out _));
    }

    [Fact]
    public void Every_tenant_endpoint_requires_a_scope()
    {
        var tenantPolicies = new[] { AuthPolicies.Tenant, AuthPolicies.OperatorOrTenant };
        var unscoped = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.OfType<IAuthorizeData>().Any(a => tenantPolicies.Contains(a.Policy)))
            .Where(e => !e.Metadata.OfType<AuthorizationPolicy>().SelectMany(p => p.Requirements).OfType<ScopeRequirement>().Any())
            .Select(e => e.RoutePattern.RawText)
            .ToList();

        // Only the key's own description is open to every scope: a client must be able to ask what it may do.
        Assert.Equal(["/api/v1/api-keys/current"], unscoped);
    }
}
