using System.Text.Json.Nodes;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/webhook_endpoints</c> and <c>/v1/events</c>.</summary>
public static class WebhookEndpoints
{
    /// <summary>Maps webhook endpoints.</summary>
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/webhook_endpoints");
        group.MapStripePost("", (tx, call) =>
        {
            var form = call.Form;
            var endpoint = new WebhookEndpointRecord
            {
                Id = Ids.New("we_"),
                Created = tx.GlobalNow,
                Url = Urls.Absolute(form.Required("url"), "url"),
                EnabledEvents = EnabledEvents(form) ?? throw StripeError.MissingParam("enabled_events"),
                Description = form.Str("description"),
                ApiVersion = form.Str("api_version"),
                Secret = "whsec_" + Ids.New("", 32),
            };
            endpoint.ApplyMetadata(form);
            tx.S.Add(tx.S.WebhookEndpoints, endpoint);
            return WebhookJson.Endpoint(endpoint, withSecret: true);
        });
        group.MapStripeGet("", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.WebhookEndpoints.Values), w => w.Id, w => WebhookJson.Endpoint(w), call.Form, "/v1/webhook_endpoints"));
        group.MapStripeGet("/{id}", (tx, call) => WebhookJson.Endpoint(tx.S.WebhookEndpoints.Find(call.Id, "webhook_endpoint")));
        group.MapStripePost("/{id}", (tx, call) =>
        {
            var form = call.Form;
            var endpoint = tx.S.WebhookEndpoints.Find(call.Id, "webhook_endpoint");
            endpoint.Url = form.Str("url") is { } url ? Urls.Absolute(url, "url") : endpoint.Url;
            endpoint.EnabledEvents = EnabledEvents(form) ?? endpoint.EnabledEvents;
            endpoint.Description = form.Text("description", endpoint.Description);
            endpoint.Status = form.Bool("disabled") is { } disabled ? (disabled ? "disabled" : "enabled") : endpoint.Status;
            endpoint.ApplyMetadata(form);
            return WebhookJson.Endpoint(endpoint);
        });
        group.MapStripeDelete("/{id}", (tx, call) =>
        {
            var endpoint = tx.S.WebhookEndpoints.Find(call.Id, "webhook_endpoint");
            tx.S.WebhookEndpoints.Remove(endpoint.Id);
            return CatalogJson.Deleted(endpoint.Id, "webhook_endpoint");
        });
    }

    /// <summary>Maps the event log.</summary>
    public static void MapEvents(this IEndpointRouteBuilder app)
    {
        app.MapStripeGet("/v1/events", (tx, call) =>
        {
            var form = call.Form;
            var types = form.Strings("types");
            var matches = tx.S.Events.Values.Where(e =>
                (form.Str("type") is not { } type || Matches(type, e.Type)) &&
                (types.Count == 0 || types.Any(t => Matches(t, e.Type))));
            return StripeList.Page(EmulatorState.NewestFirst(matches), e => e.Id, e => JsonNode.Parse(e.Json)!, form, "/v1/events");
        });
        app.MapStripeGet("/v1/events/{id}", (tx, call) => JsonNode.Parse(tx.S.Events.Find(call.Id, "event").Json)!);
    }

    private static bool Matches(string pattern, string type) =>
        pattern.EndsWith(".*", StringComparison.Ordinal) ? type.StartsWith(pattern[..^1], StringComparison.Ordinal) : pattern == type;

    private static List<string>? EnabledEvents(FormTree form)
    {
        var events = form.Strings("enabled_events");
        return events.Count == 0 ? null : events.ToList();
    }
}
