using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using Billing.Domain.Metering;

namespace Billing.Api.Usage;

/// <summary>
/// What an event's <c>properties</c> may hold. Everything refused here would otherwise be refused by PostgreSQL's jsonb
/// (NUL, unpaired surrogates, numbers past its numeric format such as <c>1e999999</c>) or cost every later reader of the
/// row (size, depth): refused in the parser, it fails its own request with a 400 instead of the statement that other
/// requests share.
/// </summary>
public static class EventProperties
{
    /// <summary>A number longer than this is refused: a double needs at most 24 characters (<c>-2.2250738585072014e-308</c>).</summary>
    public const int MaxNumberLength = 40;

    // Far past any double's exponent (±324 with 40 digits), far below jsonb's numeric scale (16,383 digits).
    private const int MaxExponent = 400;

    /// <summary>Why <paramref name="properties"/> (a JSON object) cannot be stored; null when it can.</summary>
    public static string? Problem(JsonElement properties)
    {
        var size = JsonMarshal.GetRawUtf8Value(properties).Length;
        if (size > UsageEventRules.MaxPropertiesBytes)
        {
            return $"The properties take {size} bytes; at most {UsageEventRules.MaxPropertiesBytes} are accepted.";
        }

        return Walk(properties, 1);
    }

    private static string? Walk(JsonElement element, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object or JsonValueKind.Array when depth > UsageEventRules.MaxPropertiesDepth:
                return $"The properties nest more than {UsageEventRules.MaxPropertiesDepth} levels deep (the object itself is level 1).";
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if ((TextProblem(property, static p => p.Name) ?? Walk(property.Value, depth + 1)) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (Walk(item, depth + 1) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.String:
                return TextProblem(element, static e => e.GetString());
            case JsonValueKind.Number:
                return IsDouble(JsonMarshal.GetRawUtf8Value(element))
                    ? null
                    : $"The properties hold the number {Shorten(element.GetRawText())}, outside the range of a double (±1.8e308, nothing closer to 0 than 4.9e-324) or longer than {MaxNumberLength} characters.";
            default:
                return null;
        }
    }

    /// <summary>jsonb holds neither NUL nor unpaired surrogates, both of which System.Text.Json reads.</summary>
    private static string? TextProblem<T>(T holder, Func<T, string?> read)
    {
        const string Message = "The properties must not contain the NUL character (\\u0000) or an unpaired surrogate (e.g. \\ud800): PostgreSQL's jsonb cannot store them.";
        try
        {
            return read(holder)?.Contains('\0', StringComparison.Ordinal) == true ? Message : null;
        }
        catch (InvalidOperationException)
        {
            // GetString and Name throw on an unpaired surrogate, which cannot be turned into text.
            return Message;
        }
    }

    /// <summary>Whether a JSON number is a finite double, not a non-zero value rounded to zero, within jsonb's numeric format.</summary>
    private static bool IsDouble(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > MaxNumberLength || !double.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return false;
        }

        var e = raw.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = e < 0 ? raw : raw[..e];
        if (e >= 0)
        {
            var exponent = raw[(e + 1)..];
            if (exponent.Length > 0 && exponent[0] == (byte)'+')
            {
                exponent = exponent[1..];
            }

            if (!Utf8Parser.TryParse(exponent, out int power, out var consumed) || consumed != exponent.Length || Math.Abs(power) > MaxExponent)
            {
                return false;
            }
        }

        // 1e-400 reads as 0: refused, as a value a double cannot hold; 0e5 and -0.0 are zero as written.
        return value != 0 || mantissa.IndexOfAnyInRange((byte)'1', (byte)'9') < 0;
    }

    private static string Shorten(string text) => text.Length <= 24 ? text : $"{text[..20]}…";
}
