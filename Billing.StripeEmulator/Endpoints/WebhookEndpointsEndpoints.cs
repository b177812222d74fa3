using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/webhook_endpoints</c>: create (the <c>whsec_</c> secret is returned once), retrieve, update, list, delete.</summary>
public static class WebhookEndpointsEndpoints
{
    /// <summary>Maps the webhook endpoint endpoints.</summary>
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/webhook_endpoints");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var events = f.Strings("enabled_events");
            if (events.Count == 0)
            {
                throw StripeError.MissingParam("enabled_events");
            }

            var endpoint = Create(tx.S, ValidUrl(f.Required("url")), Ids.New("whsec_", 32), events, tx.GlobalNow);
            endpoint.Description = f.Str("description");
            endpoint.ApiVersion = f.Str("api_version");
            Metadata.Apply(endpoint.Metadata, f);
            return tx.Respond(WebhookJson.Endpoint(endpoint, withSecret: true), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(StripeList.Page(EmulatorState.NewestFirst(tx.S.WebhookEndpoints.Values), w => w.Id, w => WebhookJson.Endpoint(w), req.Form, "/v1/webhook_endpoints"), req.Expand)));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(WebhookJson.Endpoint(Find(tx, id)), req.Expand)));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var endpoint = Find(tx, id);
            var f = req.Form;
            if (f.Str("url") is { Length: > 0 } url)
            {
                endpoint.Url = ValidUrl(url);
            }

            if (f.Strings("enabled_events") is { Count: > 0 } events)
            {
                endpoint.EnabledEvents = events.ToList();
            }

            if (f.Bool("disabled") is { } disabled)
            {
                endpoint.Status = disabled ? "disabled" : "enabled";
            }

            endpoint.Description = f.Has("description") ? f.Str("description") : endpoint.Description;
            Metadata.Apply(endpoint.Metadata, f);
            return tx.Respond(WebhookJson.Endpoint(endpoint), req.Expand);
        }));

        group.MapDelete("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, _) =>
        {
            Find(tx, id);
            tx.S.WebhookEndpoints.Remove(id);
            return StripeResults.Ok(CatalogJson.Deleted(id, "webhook_endpoint"));
        }));
    }

    public static WebhookEndpointRecord Create(EmulatorState state, string url, string secret, IEnumerable<string> events, long now) =>
        state.Add(state.WebhookEndpoints, new WebhookEndpointRecord
        {
            Id = Ids.New("we_"),
            Url = url,
            Secret = secret,
            EnabledEvents = events.ToList(),
            Created = now,
        });

    private static WebhookEndpointRecord Find(Tx tx, string id) =>
        tx.S.WebhookEndpoints.GetValueOrDefault(id) ?? throw StripeError.NotFound("webhook_endpoint", id);

    private static string ValidUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? url
            : throw StripeError.InvalidParam("url", $"Invalid URL: {url}");
}
