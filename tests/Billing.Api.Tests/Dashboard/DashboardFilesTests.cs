using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Billing.Api.Tests.Dashboard;

/// <summary>A published API serves the dashboard's build from its web root, beside <c>/api</c>, on one origin.</summary>
public sealed class DashboardFilesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Policy = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

    [Fact]
    public async Task With_the_build_in_its_web_root_the_api_serves_the_dashboard_and_its_assets()
    {
        var webRoot = Directory.CreateTempSubdirectory("billing-webroot-").FullName;
        Directory.CreateDirectory(Path.Combine(webRoot, "assets"));
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "<!doctype html><title>Billing</title>", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(webRoot, "assets", "index-3f2a.js"), "console.log(1)", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(webRoot, "security-headers.json"), $$"""
            { "Content-Security-Policy": "{{Policy}}", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" }
            """, TestContext.Current.CancellationToken);
        await using var published = api.WithWebHostBuilder(builder => builder.UseSetting(WebHostDefaults.WebRootKey, webRoot));
        using var http = published.CreateClient();

        using var page = await http.GetAsync("/", TestContext.Current.CancellationToken);
        using var asset = await http.GetAsync("/assets/index-3f2a.js", TestContext.Current.CancellationToken);
        using var unknownApi = await http.GetAsync("/api/v1/nothing-here", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<!doctype html><title>Billing</title>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
        // The build's headers on its files (billing-web's security-headers.json), not on the API's answers.
        Assert.All(new[] { page, asset }, response =>
        {
            Assert.Equal(Policy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        });
        Assert.False(unknownApi.Headers.Contains("Content-Security-Policy"));
        // The API's own 404 stays a problem, not the dashboard's page.
        Assert.Equal(HttpStatusCode.NotFound, unknownApi.StatusCode);
        Assert.Equal("application/problem+json", unknownApi.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_build_without_its_security_headers_stops_the_api_from_starting()
    {
        var webRoot = Directory.CreateTempSubdirectory("billing-webroot-").FullName;
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "<!doctype html><title>Billing</title>", TestContext.Current.CancellationToken);
        await using var published = api.WithWebHostBuilder(builder => builder.UseSetting(WebHostDefaults.WebRootKey, webRoot));

        var refused = Assert.Throws<InvalidOperationException>(() => published.CreateClient());

        Assert.Contains("security-headers.json", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_build_nothing_is_served_at_the_root()
    {
        using var http = api.CreateClient(bearer: null);

        using var page = await http.GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }
}
