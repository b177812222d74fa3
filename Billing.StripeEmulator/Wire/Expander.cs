using System.Text.Json.Nodes;

namespace Billing.StripeEmulator.Wire;

/// <summary>
/// Applies Stripe's <c>expand</c>: each dotted path names an id-valued field that is replaced by the object
/// it names; arrays along the path (a list's <c>data</c>, <c>items.data</c>) are walked element by element.
/// </summary>
public static class Expander
{
    private const int MaxDepth = 4;

    // Stripe returns these only when expanded; the emulator always renders them when they apply,
    // so expanding one is accepted and changes nothing (a licensed price simply has no tiers).
    private static readonly HashSet<string> Includable = ["tiers", "currency_options"];

    public static void Apply(JsonNode? root, IEnumerable<string> paths, Func<string, JsonObject?> resolve)
    {
        foreach (var path in paths)
        {
            var segments = path.Split('.');
            if (segments.Length > MaxDepth)
            {
                throw StripeError.InvalidParam("expand", $"You cannot expand more than {MaxDepth} levels of a property. Property: {path}");
            }

            Walk(root, segments, 0, resolve, path);
        }
    }

    private static void Walk(JsonNode? node, string[] segments, int index, Func<string, JsonObject?> resolve, string path)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var element in array)
                {
                    Walk(element, segments, index, resolve, path);
                }

                return;
            case JsonObject obj:
                var key = segments[index];
                if (index == segments.Length - 1 && Includable.Contains(key))
                {
                    return;
                }

                if (!obj.TryGetPropertyValue(key, out var child))
                {
                    throw StripeError.InvalidParam("expand", $"This property cannot be expanded ({path}).");
                }

                if (child is JsonValue value && value.TryGetValue<string>(out var id))
                {
                    child = resolve(id) ?? throw StripeError.InvalidParam("expand", $"This property cannot be expanded ({path}).");
                    obj[key] = child;
                }

                if (index + 1 < segments.Length)
                {
                    Walk(child, segments, index + 1, resolve, path);
                }

                return;
        }
    }
}
