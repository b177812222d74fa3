using System.Net;

namespace Billing.StripeEmulator.Pages;

/// <summary>
/// The frame of every hosted page: server-rendered HTML with its style inline and no external assets, plain forms and
/// links, so a keyboard (or a test's browser) can use every page without scripts.
/// </summary>
public static class HostedPage
{
    private const string Style = """
        body{font:16px/1.5 system-ui,sans-serif;color:#1a1f36;background:#f6f9fc;margin:0}
        main{max-width:34rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
        h1{font-size:1.5rem;margin-top:0}h2{font-size:1.1rem;margin-top:1.75rem}
        table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.4rem .3rem;border-bottom:1px solid #e3e8ee}
        .num{text-align:right}label{display:block;margin-top:.75rem;font-weight:600}
        input{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #8792a2;border-radius:4px}
        .row{display:flex;gap:1rem}.row>div{flex:1}
        button{margin-top:1.25rem;font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#635bff;color:#fff;cursor:pointer}
        button.secondary{background:#fff;color:#1a1f36;border:1px solid #8792a2}
        a{color:#4f46e5}:focus-visible{outline:3px solid #1a1f36;outline-offset:2px}
        .error{color:#b3093c;font-weight:600}.notice{color:#0d6b3a;font-weight:600}.muted{color:#4f566b}
        .vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
        """;

    public static string Document(string title, string body) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{E(title)}</title><style>{Style}</style></head>
        <body><main>
        {body}
        <p class="muted">Billing Stripe Emulator · test mode</p>
        </main></body></html>
        """;

    public static IResult Html(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content(Document(title, body), "text/html; charset=utf-8", statusCode: status);

    public static IResult NotFound(string what) =>
        Html("Not found", $"<h1>Not found</h1><p>{E(what)}</p>", StatusCodes.Status404NotFound);

    /// <summary>After a form post: back to a page by GET, so a reload does not post again.</summary>
    public static IResult SeeOther(string url) => new SeeOtherResult(url);

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private sealed class SeeOtherResult(string url) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = url;
            return Task.CompletedTask;
        }
    }
}
