using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Auth;

public sealed class AuthenticationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData(null)]
    [InlineData("bk_not-a-real-key")]
    [InlineData("wrong-operator-key")]
    public async Task Missing_or_unknown_key_is_401_with_a_problem_body(string? bearer)
    {
        using var http = api.CreateClient(bearer);

        var response = await http.PostAsJsonAsync("/api/v1/tenants", new { name = "Nope", plan = "free" }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        await using var db = api.CreateDbContext();
        Assert.False(await db.Tenants.AnyAsync(t => t.Name == "Nope", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Tenant_key_on_an_operator_endpoint_is_403()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var create = await http.PostAsJsonAsync("/api/v1/tenants", new { name = "Escalation", plan = "free" }, TestContext.Current.CancellationToken);
        var keyForTenant = await http.PostAsJsonAsync($"/api/v1/tenants/{tenantId}/api-keys", new { }, TestContext.Current.CancellationToken);
        var auditLog = await http.GetAsync("/api/v1/audit-log", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal("application/problem+json", create.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, keyForTenant.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, auditLog.StatusCode);
    }
}
