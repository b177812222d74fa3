using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.ApiKeys;

public sealed class ApiKeyRevocationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_revoked_key_is_refused_at_once_and_lists_show_prefixes_never_secrets()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var second = await (await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "to-revoke" }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var secondKey = second.GetProperty("key").GetString()!;
        using var secondHttp = api.CreateClient(secondKey);
        var before = await secondHttp.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken);

        var revoke = await http.DeleteAsync($"/api/v1/api-keys/{second.GetProperty("id").GetGuid()}", TestContext.Current.CancellationToken);
        var after = await secondHttp.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken);
        var listing = await http.GetStringAsync("/api/v1/api-keys", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var keys = JsonDocument.Parse(listing).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        Assert.Contains(keys, k => k.GetProperty("name").GetString() == "to-revoke" && k.GetProperty("revokedAt").ValueKind == JsonValueKind.String);
        Assert.DoesNotContain(secondKey[11..], listing);
        Assert.DoesNotContain(key[11..], listing);
        await using var db = api.CreateDbContext();
        Assert.Contains(await db.AuditLog.Where(a => a.TenantId == tenantId).Select(a => a.Action).ToListAsync(TestContext.Current.CancellationToken), a => a == "api_key.revoked");
    }

    [Fact]
    public async Task A_tenant_cannot_list_or_revoke_another_tenants_keys()
    {
        var (_, mine) = await api.CreateTenantWithKeyAsync(name: "Mine");
        var (other, otherKey) = await api.CreateTenantWithKeyAsync(name: "Other");
        using var operatorHttp = api.CreateOperatorClient();
        var otherKeys = JsonDocument.Parse(await operatorHttp.GetStringAsync($"/api/v1/tenants/{other}/api-keys", TestContext.Current.CancellationToken)).RootElement;
        using var http = api.CreateClient(mine);

        var revoke = await http.DeleteAsync($"/api/v1/api-keys/{otherKeys[0].GetProperty("id").GetGuid()}", TestContext.Current.CancellationToken);
        var operatorList = await http.GetAsync($"/api/v1/tenants/{other}/api-keys", TestContext.Current.CancellationToken);
        using var otherHttp = api.CreateClient(otherKey);
        var stillWorks = await otherHttp.GetAsync($"/api/v1/tenants/{other}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, operatorList.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
    }
}
