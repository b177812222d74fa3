using System.Text.Encodings.Web;

namespace Billing.Worker.Dashboard;

/// <summary>The dashboard's sign-in form: one password field for the operator key.</summary>
internal static class SignInPage
{
    public static IResult Render(HttpContext http, string returnUrl, bool failed)
    {
        // Nothing on the page loads or runs anything: a strict policy costs nothing.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        http.Response.Headers.CacheControl = "no-store";
        var message = failed ? """<p role="alert" style="color:#b00020">That is not the operator key.</p>""" : "";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Sign in: Hangfire dashboard</title></head>
            <body style="font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto">
            <h1>Hangfire dashboard</h1>
            <form method="post" action="{DashboardAuthentication.SignInPath}">
            <label for="key">Operator key</label><br>
            <input id="key" name="key" type="password" autocomplete="off" required style="width:100%">
            <input type="hidden" name="returnUrl" value="{HtmlEncoder.Default.Encode(returnUrl)}">
            {message}
            <p><button type="submit">Sign in</button></p>
            </form>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: failed ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK);
    }
}
