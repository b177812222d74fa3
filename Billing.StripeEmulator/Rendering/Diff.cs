using System.Text.Json.Nodes;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Stripe's <c>previous_attributes</c>: the top-level fields whose values changed, with their old values.</summary>
public static class Diff
{
    public static JsonObject Previous(JsonObject before, JsonObject after)
    {
        var previous = new JsonObject();
        foreach (var (key, old) in before)
        {
            if (!JsonNode.DeepEquals(old, after[key]))
            {
                previous[key] = old?.DeepClone();
            }
        }

        return previous;
    }
}
