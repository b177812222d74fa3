using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary>The request an endpoint handler sees: the parsed parameters and the route values.</summary>
public sealed class StripeCall(RequestInfo request, RouteValueDictionary route, string path)
{
    public RequestInfo Request { get; } = request;

    public FormTree Form => Request.Form;

    public string Path { get; } = path;

    public string Route(string name) => route.TryGetValue(name, out var value) ? value?.ToString() ?? "" : "";

    public string Id => Route("id");
}

/// <summary>Maps Stripe API handlers that run under the state lock and answer 200 with <c>expand</c> applied.</summary>
public static class StripeRoutes
{
    /// <summary>Maps a GET handler returning a Stripe object.</summary>
    public static RouteHandlerBuilder MapStripeGet(this IEndpointRouteBuilder app, string pattern, Func<Tx, StripeCall, JsonNode> handler) =>
        app.MapGet(pattern, (HttpContext http, EmulatorRuntime runtime) => Run(http, runtime, handler));

    /// <summary>Maps a POST handler returning a Stripe object.</summary>
    public static RouteHandlerBuilder MapStripePost(this IEndpointRouteBuilder app, string pattern, Func<Tx, StripeCall, JsonNode> handler) =>
        app.MapPost(pattern, (HttpContext http, EmulatorRuntime runtime) => Run(http, runtime, handler));

    /// <summary>Maps a DELETE handler returning a Stripe object.</summary>
    public static RouteHandlerBuilder MapStripeDelete(this IEndpointRouteBuilder app, string pattern, Func<Tx, StripeCall, JsonNode> handler) =>
        app.MapDelete(pattern, (HttpContext http, EmulatorRuntime runtime) => Run(http, runtime, handler));

    private static IResult Run(HttpContext http, EmulatorRuntime runtime, Func<Tx, StripeCall, JsonNode> handler) =>
        runtime.Handle(http, (tx, request) =>
        {
            var call = new StripeCall(request, http.Request.RouteValues, http.Request.Path.Value ?? "");
            return tx.Respond(handler(tx, call), request.Expand);
        });

    /// <summary>Merges <c>metadata[...]</c> into a record's metadata; an empty value removes the key, as in Stripe.</summary>
    public static void ApplyMetadata(this Record record, FormTree form)
    {
        if (form["metadata"] is { } node && !node.HasChildren && node.Value == "")
        {
            record.Metadata.Clear();
            return;
        }

        foreach (var (key, value) in form.Map("metadata"))
        {
            if (value.Length == 0)
            {
                record.Metadata.Remove(key);
            }
            else
            {
                record.Metadata[key] = value;
            }
        }
    }

    public static T Find<T>(this Dictionary<string, T> table, string id, string kind, string param = "id") where T : class =>
        table.GetValueOrDefault(id) ?? throw StripeError.NotFound(kind, id, param);
}
