using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Webhook endpoints in Stripe's JSON shape; the secret is shown only when the endpoint is created.</summary>
public static class WebhookJson
{
    public static JsonObject Endpoint(WebhookEndpointRecord w, bool withSecret = false)
    {
        var json = new JsonObject
        {
            ["id"] = w.Id,
            ["object"] = "webhook_endpoint",
            ["api_version"] = w.ApiVersion,
            ["application"] = null,
            ["created"] = w.Created,
            ["description"] = w.Description,
            ["enabled_events"] = Json.Strings(w.EnabledEvents),
            ["livemode"] = false,
            ["metadata"] = Json.Map(w.Metadata),
            ["status"] = w.Status,
            ["url"] = w.Url,
        };
        if (withSecret)
        {
            json["secret"] = w.Secret;
        }

        return json;
    }
}
