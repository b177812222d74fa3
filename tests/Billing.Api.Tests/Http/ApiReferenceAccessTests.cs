using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Billing.Api.Tests.Http;

/// <summary>The OpenAPI document and Scalar's reference: open in Development, behind the operator key or off elsewhere.</summary>
public sealed class ApiReferenceAccessTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] Paths = ["/openapi/v1.json", "/scalar/"];

    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> InProduction(string? access = null) =>
        api.WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            if (access is not null)
            {
                b.UseSetting("ApiReference:Access", access);
            }
        });

    private static async Task<HttpStatusCode[]> StatusesAsync(HttpClient http) =>
        await Task.WhenAll(Paths.Select(async path => (await http.GetAsync(path, TestContext.Current.CancellationToken)).StatusCode));

    [Fact]
    public async Task In_development_anyone_may_read_them()
    {
        using var http = api.CreateClient();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], await StatusesAsync(http));
    }

    [Fact]
    public async Task Elsewhere_only_the_operator_key_opens_them()
    {
        var (_, tenantKey) = await api.CreateTenantWithKeyAsync();
        await using var production = InProduction();
        using var anonymous = production.CreateClient();
        using var tenant = production.ClientWithKey(tenantKey);
        using var operatorHttp = production.ClientWithKey(ApiFactory.OperatorKey);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], await StatusesAsync(anonymous));
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], await StatusesAsync(tenant));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], await StatusesAsync(operatorHttp));
    }

    [Fact]
    public async Task Turned_off_they_are_not_served_even_to_the_operator()
    {
        await using var production = InProduction("Off");
        using var operatorHttp = production.ClientWithKey(ApiFactory.OperatorKey);

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound], await StatusesAsync(operatorHttp));
    }
}
