using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.ApiKeys;

public sealed class ApiKeysEndpointsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Operator_issues_a_key_shown_once_and_stored_only_as_a_hash()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateOperatorClient();

        var response = await http.PostAsJsonAsync($"/api/v1/tenants/{tenantId}/api-keys", new { name = "ci" }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var key = body.GetProperty("key").GetString()!;
        Assert.StartsWith("bk_", key);
        Assert.True(key.Length >= 40);
        Assert.Equal(key[..11], body.GetProperty("prefix").GetString());
        await using var db = api.CreateDbContext();
        var stored = await db.ApiKeys.SingleAsync(k => k.Id == body.GetProperty("id").GetGuid(), TestContext.Current.CancellationToken);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)), stored.Hash);
        var audit = await db.AuditLog.Where(a => a.Action == "api_key.created").Select(a => a.Details).ToListAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(audit, details => details!.Contains(key[11..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tenant_issues_its_own_key_and_the_new_key_authenticates_as_that_tenant()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var created = await (await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "second" }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        using var second = api.CreateClient(created.GetProperty("key").GetString());
        var self = await second.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken);

        Assert.Equal(tenantId, created.GetProperty("tenantId").GetGuid());
        Assert.Equal(tenantId, self.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Key_for_an_unknown_tenant_is_404()
    {
        using var http = api.CreateOperatorClient();

        var response = await http.PostAsJsonAsync($"/api/v1/tenants/{Guid.NewGuid()}/api-keys", new { }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
