using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary>v1 meter events and adjustments, and the v2 meter event session and stream.</summary>
public static class MeterEventEndpoints
{
    private const int MaxStreamEvents = 100;
    private const long SessionSeconds = 15 * 60;

    /// <summary>Maps <c>/v1/billing/meter_events</c> and <c>/v1/billing/meter_event_adjustments</c>.</summary>
    public static void MapMeterEvents(this IEndpointRouteBuilder app)
    {
        app.MapStripePost("/v1/billing/meter_events", (tx, call) =>
        {
            var form = call.Form;
            var record = MeterIngest.Accept(tx, form.Str("event_name"), form.Str("identifier"), form.Map("payload"), form.Long("timestamp"));
            return MeterJson.Event(record);
        });
        app.MapStripePost("/v1/billing/meter_event_adjustments", Adjust);
    }

    /// <summary>Maps <c>/v2/billing/meter_event_session</c> and <c>/v2/billing/meter_event_stream</c>.</summary>
    public static void MapMeterEventsV2(this IEndpointRouteBuilder app)
    {
        app.MapStripePost("/v2/billing/meter_event_session", (tx, _) =>
        {
            var now = tx.Clock.WallNow;
            var session = new MeterEventSessionRecord
            {
                Id = Ids.New("mes_"),
                Token = Ids.New("mes_tok_", 40),
                Created = now,
                ExpiresAt = now + SessionSeconds,
            };
            tx.S.MeterEventSessions[session.Id] = session;
            foreach (var expired in tx.S.MeterEventSessions.Values.Where(s => s.ExpiresAt < now - SessionSeconds).Select(s => s.Id).ToList())
            {
                tx.S.MeterEventSessions.Remove(expired);
            }

            return new JsonObject
            {
                ["id"] = session.Id,
                ["object"] = "v2.billing.meter_event_session",
                ["authentication_token"] = session.Token,
                ["created"] = Iso(session.Created),
                ["expires_at"] = Iso(session.ExpiresAt),
                ["livemode"] = false,
            };
        });
        app.MapStripePost("/v2/billing/meter_event_stream", Stream);
    }

    private static JsonNode Adjust(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var eventName = form.Required("event_name");
        var type = form.Str("type") ?? "cancel";
        if (type != "cancel")
        {
            throw StripeError.InvalidParam("type", "Invalid type: must be cancel");
        }

        var identifier = form["cancel"]?.Str("identifier") ?? throw StripeError.MissingParam("cancel[identifier]");
        var wallNow = tx.Clock.WallNow;
        var target = tx.S.MeterEvents.LastOrDefault(e => e.Identifier == identifier && e.EventName == eventName)
                     ?? throw StripeError.Invalid($"No meter event with identifier '{identifier}' for event_name '{eventName}'.", "cancel[identifier]", "resource_missing");
        if (target.ReceivedAt <= wallNow - MeterIngest.IdentifierWindowSeconds)
        {
            throw StripeError.Invalid("Meter events can only be cancelled within 24 hours of being sent.", "cancel[identifier]");
        }

        target.Cancelled = true;
        return MeterJson.Adjustment(eventName, identifier);
    }

    private static JsonNode Stream(Tx tx, StripeCall call)
    {
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(call.Request.RawBody);
        }
        catch (JsonException)
        {
            throw StripeError.Invalid("The request body is not valid JSON.");
        }

        var events = body?["events"] as JsonArray ?? throw StripeError.MissingParam("events");
        if (events.Count is 0 or > MaxStreamEvents)
        {
            throw StripeError.InvalidParam("events", $"events must contain between 1 and {MaxStreamEvents} items.");
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] as JsonObject ?? throw StripeError.InvalidParam($"events[{i}]", "Each event must be an object.");
            var payload = (e["payload"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal)
                          ?? throw StripeError.MissingParam($"events[{i}].payload");
            long? timestamp = e["timestamp"]?.GetValue<string>() is { } text
                ? (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                    ? at.ToUnixTimeSeconds()
                    : throw StripeError.InvalidParam($"events[{i}].timestamp", $"Invalid timestamp: {text}"))
                : null;
            MeterIngest.Accept(tx, e["event_name"]?.GetValue<string>(), e["identifier"]?.GetValue<string>(), payload, timestamp, $"events[{i}].");
        }

        return new JsonObject();
    }

    private static string Iso(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
}
