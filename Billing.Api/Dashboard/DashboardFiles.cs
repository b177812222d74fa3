using Microsoft.Net.Http.Headers;

namespace Billing.Api.Dashboard;

/// <summary>
/// The tenant dashboard's production build (billing-web's <c>vite build</c>), which a published API carries in its web
/// root: one origin for the dashboard and the <c>/api</c> it calls. In development Vite serves it instead.
/// </summary>
public static class DashboardFiles
{
    /// <summary>Serves the web root's files, <c>/</c> as <c>index.html</c>, when the web root holds the build.</summary>
    public static WebApplication UseDashboardFiles(this WebApplication app)
    {
        if (!app.Environment.WebRootFileProvider.GetFileInfo("index.html").Exists)
        {
            return app;
        }

        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context => context.Context.Response.Headers[HeaderNames.CacheControl] =
                // Vite names each asset by its content's hash, so it never changes; index.html names the current ones.
                context.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache",
        });
        return app;
    }
}
