using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Billing.Domain.Metering;

namespace Billing.Api.Usage;

/// <summary>
/// Reads the <c>{ "events": [...] }</c> body by hand, so a wrong JSON type is reported per event
/// (<c>events[3].value</c>) like every other validation error, instead of failing the whole body.
/// </summary>
public static class UsageEventsParser
{
    public sealed record Parsed(IReadOnlyList<UsageEventInput> Events, Dictionary<string, string[]> Errors);

    public static Parsed Parse(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            errors["events"] = ["The body must be an object with an 'events' array."];
            return new([], errors);
        }

        var events = new List<UsageEventInput>(array.GetArrayLength());
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            events.Add(ParseEvent(element, index++, errors));
        }

        return new(events, errors);
    }

    private static UsageEventInput ParseEvent(JsonElement element, int index, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors[$"events[{index}]"] = ["Each event must be a JSON object."];
            return new UsageEventInput(null, null, null, null, null);
        }

        // One pass over the members instead of one lookup per field, each a scan of its own; a repeated member counts
        // by its last occurrence, as with a lookup. A member not present stays Undefined, read as missing.
        JsonElement id = default, metric = default, value = default, timestamp = default, properties = default;
        foreach (var member in element.EnumerateObject())
        {
            if (member.NameEquals("id"u8))
            {
                id = member.Value;
            }
            else if (member.NameEquals("metric"u8))
            {
                metric = member.Value;
            }
            else if (member.NameEquals("value"u8))
            {
                value = member.Value;
            }
            else if (member.NameEquals("timestamp"u8))
            {
                timestamp = member.Value;
            }
            else if (member.NameEquals("properties"u8))
            {
                properties = member.Value;
            }
        }

        return new UsageEventInput(
            String(id, "id", index, errors),
            String(metric, "metric", index, errors),
            Integer(value, index, errors),
            Timestamp(timestamp, index, errors),
            Properties(properties, index, errors));
    }

    private static bool Missing(JsonElement value) => value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    private static string? String(JsonElement value, string name, int index, Dictionary<string, string[]> errors)
    {
        if (Missing(value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && TryGetText(value) is { } text)
        {
            return text;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            errors[$"events[{index}].{name}"] = [$"The {name} must be valid Unicode text (it holds an unpaired surrogate such as \\ud800)."];
            return null;
        }

        errors[$"events[{index}].{name}"] = [$"The {name} must be a string."];
        return null;
    }

    private static long? Integer(JsonElement value, int index, Dictionary<string, string[]> errors)
    {
        if (Missing(value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer))
        {
            return integer;
        }

        errors[$"events[{index}].value"] = [value.ValueKind == JsonValueKind.Number
            ? "The value must be a whole number within range (Stripe meters take whole numbers)."
            : "The value must be a number."];
        return null;
    }

    private static DateTimeOffset? Timestamp(JsonElement value, int index, Dictionary<string, string[]> errors)
    {
        if (Missing(value))
        {
            return null;
        }

        // Most timestamps carry their offset (Z or ±hh:mm): System.Text.Json reads those in place, several times faster
        // than the general parser, which stays for the rest (no offset means UTC here, not the server's local time).
        if (value.ValueKind == JsonValueKind.String && HasOffset(JsonMarshal.GetRawUtf8Value(value)) && value.TryGetDateTimeOffset(out var withOffset))
        {
            return withOffset.ToUniversalTime();
        }

        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp))
        {
            return timestamp;
        }

        errors[$"events[{index}].timestamp"] = ["The timestamp must be an ISO-8601 date and time, e.g. 2026-11-25T10:00:00Z."];
        return null;
    }

    private static string? Properties(JsonElement value, int index, Dictionary<string, string[]> errors)
    {
        if (Missing(value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors[$"events[{index}].properties"] = ["The properties must be a JSON object."];
            return null;
        }

        if (EventProperties.Problem(value) is { } problem)
        {
            errors[$"events[{index}].properties"] = [problem];
            return null;
        }

        return value.GetRawText();
    }

    /// <summary>Whether a raw JSON string (quotes included) ends in <c>Z</c> or a <c>±hh:mm</c> offset.</summary>
    private static bool HasOffset(ReadOnlySpan<byte> raw) =>
        raw.Length > 8 && (raw[^2] is (byte)'Z' or (byte)'z' || (raw[^7] is (byte)'+' or (byte)'-' && raw[^4] == (byte)':'));

    private static string? TryGetText(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
