using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Billing.Api.Dashboard;

/// <summary>
/// The tenant dashboard's production build (billing-web's <c>vite build</c>), which a published API carries in its web
/// root: one origin for the dashboard and the <c>/api</c> it calls. In development Vite serves it instead.
/// </summary>
public static class DashboardFiles
{
    /// <summary>
    /// The build's list of headers for its files (billing-web/config/content-security-policy.ts): the
    /// Content-Security-Policy, with the <c>frame-ancestors</c> a meta tag cannot carry, and its companions.
    /// </summary>
    public const string SecurityHeadersFile = "security-headers.json";

    /// <summary>
    /// Serves the web root's files, <c>/</c> as <c>index.html</c>, when the web root holds the build, each with the
    /// build's security headers.
    /// </summary>
    public static WebApplication UseDashboardFiles(this WebApplication app)
    {
        var webRoot = app.Environment.WebRootFileProvider;
        if (!webRoot.GetFileInfo("index.html").Exists)
        {
            return app;
        }

        var headers = SecurityHeaders(webRoot.GetFileInfo(SecurityHeadersFile));
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var response = context.Context.Response.Headers;
                foreach (var (name, value) in headers)
                {
                    response[name] = value;
                }

                // Vite names each asset by its content's hash, so it never changes; index.html names the current ones.
                response[HeaderNames.CacheControl] =
                    context.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });
        return app;
    }

    /// <summary>A build without its headers would be served without its policy: the API refuses to start instead.</summary>
    private static Dictionary<string, string> SecurityHeaders(Microsoft.Extensions.FileProviders.IFileInfo file)
    {
        if (!file.Exists)
        {
            throw new InvalidOperationException(
                $"The web root holds the dashboard's index.html but not its {SecurityHeadersFile}: publish the API again after `npm run build` in billing-web.");
        }

        using var stream = file.CreateReadStream();
        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(stream);
        return headers is { Count: > 0 } && headers.ContainsKey(HeaderNames.ContentSecurityPolicy)
            ? headers
            : throw new InvalidOperationException($"The dashboard's {SecurityHeadersFile} names no {HeaderNames.ContentSecurityPolicy}.");
    }
}
