using System.Text.Json.Nodes;

namespace Billing.StripeEmulator.Wire;

/// <summary>Stripe's list envelope with <c>limit</c>, <c>starting_after</c> and <c>ending_before</c> cursors.</summary>
public static class StripeList
{
    public static JsonObject Page<T>(IReadOnlyList<T> newestFirst, Func<T, string> id, Func<T, JsonNode> render, FormTree form, string url)
    {
        var limit = form.Long("limit") ?? 10;
        if (limit is < 1 or > 100)
        {
            throw StripeError.InvalidParam("limit", "This value must be greater than or equal to 1 and less than or equal to 100.");
        }

        var startingAfter = form.Str("starting_after");
        var endingBefore = form.Str("ending_before");
        IEnumerable<T> window;
        bool hasMore;
        if (!string.IsNullOrEmpty(endingBefore))
        {
            var index = IndexOf(newestFirst, id, endingBefore, "ending_before");
            var before = newestFirst.Take(index).ToList();
            window = before.Skip(Math.Max(0, before.Count - (int)limit));
            hasMore = before.Count > limit;
        }
        else
        {
            var start = string.IsNullOrEmpty(startingAfter) ? 0 : IndexOf(newestFirst, id, startingAfter, "starting_after") + 1;
            var rest = newestFirst.Skip(start).ToList();
            window = rest.Take((int)limit);
            hasMore = rest.Count > limit;
        }

        return Envelope(window.Select(render), hasMore, url);
    }

    public static JsonObject Envelope(IEnumerable<JsonNode> data, bool hasMore, string url) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(data.ToArray<JsonNode?>()),
        ["has_more"] = hasMore,
        ["url"] = url,
    };

    private static int IndexOf<T>(IReadOnlyList<T> items, Func<T, string> id, string cursor, string param)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (id(items[i]) == cursor)
            {
                return i;
            }
        }

        throw StripeError.InvalidParam(param, $"No such object: '{cursor}'");
    }
}
