using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Billing.Api.Tests.Http;

/// <summary>
/// <c>X-Content-Type-Options: nosniff</c> on every response; behind a TLS-terminating proxy (forwarded headers on) HSTS on
/// https requests outside Development, and never because a client that is not a trusted proxy claims https.
/// </summary>
public sealed class SecurityHeadersTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> OnKestrel(string environment, bool forwardedHeaders) =>
        api.ReplicaOnKestrel(("environment", environment), ("ForwardedHeaders:Enabled", forwardedHeaders ? "true" : "false"));

    private static async Task<HttpResponseMessage> GetAsProxiedHttpsAsync(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "billing.example.com";
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "198.51.100.20");
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Every_response_says_nosniff()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync();
        using var anonymous = api.CreateClient();
        using var tenant = api.CreateClient(key);

        var responses = new[]
        {
            await anonymous.GetAsync("/api/v1/plans", TestContext.Current.CancellationToken),
            await anonymous.GetAsync("/api/v1/usage", TestContext.Current.CancellationToken),
            await tenant.GetAsync("/api/v1/usage", TestContext.Current.CancellationToken),
            await tenant.GetAsync($"/api/v1/invoices/{Guid.NewGuid()}", TestContext.Current.CancellationToken),
        };

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.NotFound], responses.Select(r => r.StatusCode));
        Assert.All(responses, r => Assert.Equal(["nosniff"], r.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Behind_a_tls_proxy_outside_development_https_responses_carry_hsts()
    {
        await using var server = OnKestrel("Production", forwardedHeaders: true);
        using var http = server.CreateClient();

        var proxied = await GetAsProxiedHttpsAsync(http, "/api/v1/plans");
        var direct = await http.GetAsync("/api/v1/plans", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal("max-age=31536000", string.Join(",", proxied.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(direct.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Development", true)]
    public async Task No_hsts_when_forwarded_headers_are_off_or_in_development(string environment, bool forwardedHeaders)
    {
        await using var server = OnKestrel(environment, forwardedHeaders);
        using var http = server.CreateClient();

        var response = await GetAsProxiedHttpsAsync(http, "/api/v1/plans");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
    }
}
