using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary>The v2 high-volume path: a 15-minute session token, then batches of up to 100 events.</summary>
public static class MeterEventStreamEndpoints
{
    public const int MaxEventsPerRequest = 100;
    private const long SessionSeconds = 15 * 60;

    /// <summary>Maps <c>/v2/billing/meter_event_session</c> and <c>/v2/billing/meter_event_stream</c>.</summary>
    public static void MapMeterEventStream(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v2/billing/meter_event_session", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, _) =>
        {
            var now = tx.GlobalNow;
            var session = new MeterEventSessionRecord
            {
                Id = Ids.New("mes_"),
                Token = Ids.New("mes_tok_", 40),
                Created = now,
                ExpiresAt = now + SessionSeconds,
            };
            foreach (var expired in tx.S.MeterEventSessions.Values.Where(s => s.ExpiresAt < now - SessionSeconds).ToList())
            {
                tx.S.MeterEventSessions.Remove(expired.Token);
            }

            tx.S.MeterEventSessions[session.Token] = session;
            return StripeResults.Ok(new JsonObject
            {
                ["id"] = session.Id,
                ["object"] = "v2.billing.meter_event_session",
                ["authentication_token"] = session.Token,
                ["created"] = Iso(session.Created),
                ["expires_at"] = Iso(session.ExpiresAt),
                ["livemode"] = false,
            });
        }));

        app.MapPost("/v2/billing/meter_event_stream", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var session = req.BearerToken is { } token ? tx.S.MeterEventSessions.GetValueOrDefault(token) : null;
            if (session is null)
            {
                throw StripeError.Unauthorized("Invalid meter event session token.");
            }

            if (tx.GlobalNow >= session.ExpiresAt)
            {
                throw new StripeError(HttpStatusCode.Unauthorized, "temporary_session_expired",
                    "The meter event session has expired. Create a new session.", "billing_meter_event_session_expired");
            }

            var events = ParseEvents(req.RawBody);
            foreach (var (e, index) in events.Select((e, i) => (e, i)))
            {
                MeterIngest.Accept(tx, e.Name, e.Identifier, e.Payload, e.Timestamp, $"events[{index}].");
            }

            return StripeResults.Ok(new JsonObject());
        }));
    }

    private static List<(string? Name, string? Identifier, Dictionary<string, string> Payload, long? Timestamp)> ParseEvents(string body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            throw StripeError.Invalid("The request body is not valid JSON.");
        }

        var events = root?["events"] as JsonArray ?? throw StripeError.MissingParam("events");
        if (events.Count is 0 or > MaxEventsPerRequest)
        {
            throw StripeError.InvalidParam("events", $"events must contain between 1 and {MaxEventsPerRequest} items.");
        }

        return events.Select((node, index) =>
        {
            var payload = (node?["payload"] as JsonObject ?? [])
                .Where(p => p.Value is not null)
                .ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : p.Value!.ToJsonString(), StringComparer.Ordinal);
            var stamp = node?["timestamp"]?.GetValue<string>();
            long? timestamp = null;
            if (!string.IsNullOrEmpty(stamp))
            {
                timestamp = DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed.ToUnixTimeSeconds()
                    : throw StripeError.InvalidParam($"events[{index}].timestamp", $"Invalid timestamp: {stamp}");
            }

            return (node?["event_name"]?.GetValue<string>(), node?["identifier"]?.GetValue<string>(), payload, timestamp);
        }).ToList();
    }

    private static string Iso(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
