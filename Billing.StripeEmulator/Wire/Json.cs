using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Billing.StripeEmulator.Wire;

/// <summary>Small helpers for building Stripe's JSON.</summary>
public static class Json
{
    /// <summary>Output options: characters such as <c>'</c> and <c>+</c> are written as they are, as Stripe writes them.</summary>
    public static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in values)
        {
            obj[key] = value;
        }

        return obj;
    }

    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonArray Empty() => [];

    /// <summary>Stripe renders decimal strings without trailing zeros ("0.0002", "2000").</summary>
    public static string Decimal(decimal value) => value.ToString("0.############", CultureInfo.InvariantCulture);

    public static JsonNode? Number(decimal value) =>
        value == decimal.Truncate(value) ? JsonValue.Create((long)value) : JsonValue.Create(value);
}
