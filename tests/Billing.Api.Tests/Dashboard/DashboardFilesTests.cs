using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Billing.Api.Tests.Dashboard;

/// <summary>A published API serves the dashboard's build from its web root, beside <c>/api</c>, on one origin.</summary>
public sealed class DashboardFilesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task With_the_build_in_its_web_root_the_api_serves_the_dashboard_and_its_assets()
    {
        var webRoot = Directory.CreateTempSubdirectory("billing-webroot-").FullName;
        Directory.CreateDirectory(Path.Combine(webRoot, "assets"));
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "<!doctype html><title>Billing</title>", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(webRoot, "assets", "index-3f2a.js"), "console.log(1)", TestContext.Current.CancellationToken);
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
        // The API's own 404 stays a problem, not the dashboard's page.
        Assert.Equal(HttpStatusCode.NotFound, unknownApi.StatusCode);
        Assert.Equal("application/problem+json", unknownApi.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Without_the_build_nothing_is_served_at_the_root()
    {
        using var http = api.CreateClient(bearer: null);

        using var page = await http.GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }
}
