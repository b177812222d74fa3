using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/events</c>: list (by <c>type</c>, <c>types[]</c>) and retrieve.</summary>
public static class EventsEndpoints
{
    /// <summary>Maps the event endpoints.</summary>
    public static void MapEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/events");
        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var type = req.Form.Str("type");
            var types = req.Form.Strings("types");
            var events = EmulatorState.NewestFirst(tx.S.Events.Values.Where(e =>
                (string.IsNullOrEmpty(type) || Matches(e.Type, type)) && (types.Count == 0 || types.Any(t => Matches(e.Type, t)))));
            return StripeResults.Ok(StripeList.Page(events, e => e.Id, e => JsonNode.Parse(e.Json)!, req.Form, "/v1/events"));
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, _) =>
            StripeResults.Ok(JsonNode.Parse((tx.S.Events.GetValueOrDefault(id) ?? throw StripeError.NotFound("event", id)).Json)!)));
    }

    /// <summary>Stripe allows a trailing wildcard, e.g. <c>invoice.*</c>.</summary>
    private static bool Matches(string eventType, string filter) =>
        filter.EndsWith(".*", StringComparison.Ordinal) ? eventType.StartsWith(filter[..^1], StringComparison.Ordinal) : eventType == filter;
}
