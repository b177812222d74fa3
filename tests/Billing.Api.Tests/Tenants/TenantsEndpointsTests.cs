using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Tenants;

public sealed class TenantsEndpointsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Operator_creates_a_tenant_with_a_subscription_and_an_audit_entry()
    {
        using var http = api.CreateOperatorClient();

        var response = await http.PostAsJsonAsync("/api/v1/tenants", new { name = "Initech", plan = "Enterprise" }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/tenants/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Initech", body.GetProperty("name").GetString());
        Assert.Equal("enterprise", body.GetProperty("plan").GetString());
        Assert.Equal("active", body.GetProperty("status").GetString());
        var subscription = body.GetProperty("subscription");
        Assert.Equal("enterprise", subscription.GetProperty("plan").GetString());
        var start = subscription.GetProperty("currentPeriodStart").GetDateTimeOffset();
        Assert.Equal(start.AddMonths(1), subscription.GetProperty("currentPeriodEnd").GetDateTimeOffset());

        await using var db = api.CreateDbContext();
        Assert.Equal("Initech", (await db.Tenants.SingleAsync(t => t.Id == id, TestContext.Current.CancellationToken)).Name);
        Assert.Equal("active", (await db.Subscriptions.SingleAsync(s => s.TenantId == id, TestContext.Current.CancellationToken)).Status);
        var audit = await db.AuditLog.SingleAsync(a => a.TenantId == id, TestContext.Current.CancellationToken);
        Assert.Equal("tenant.created", audit.Action);
        Assert.Equal("operator", audit.Actor);
    }

    [Theory]
    [InlineData("""{"name":"Globex","plan":"platinum"}""", "plan")]
    [InlineData("""{"name":"","plan":"free"}""", "name")]
    [InlineData("""{"plan":"free"}""", "name")]
    public async Task Invalid_tenant_gets_a_validation_problem_and_nothing_is_stored(string json, string field)
    {
        using var http = api.CreateOperatorClient();
        await using var db = api.CreateDbContext();
        var before = await db.Tenants.CountAsync(TestContext.Current.CancellationToken);

        var response = await http.PostAsync("/api/v1/tenants", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name == field);
        Assert.Equal(before, await db.Tenants.CountAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Malformed_json_gets_a_problem_response()
    {
        using var http = api.CreateOperatorClient();

        var response = await http.PostAsync("/api/v1/tenants", new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_tenant_reads_itself_but_another_tenant_is_not_found()
    {
        var (own, key) = await api.CreateTenantWithKeyAsync(name: "Own");
        var (other, _) = await api.CreateTenantWithKeyAsync(name: "Other");
        using var http = api.CreateClient(key);

        var mine = await http.GetAsync($"/api/v1/tenants/{own}", TestContext.Current.CancellationToken);
        var theirs = await http.GetAsync($"/api/v1/tenants/{other}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal("Own", (await mine.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal("application/problem+json", theirs.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_tenant_id_is_not_found_for_the_operator()
    {
        using var http = api.CreateOperatorClient();

        var response = await http.GetAsync($"/api/v1/tenants/{Guid.NewGuid()}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
