using System.Net;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/billing/meter_events</c> and <c>/v1/billing/meter_event_adjustments</c>.</summary>
public static class MeterEventsEndpoints
{
    private const long CancelWindowSeconds = 24 * 3600;

    /// <summary>Maps the v1 meter event endpoints.</summary>
    public static void MapMeterEvents(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/billing/meter_events", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var record = MeterIngest.Accept(tx, f.Str("event_name"), f.Str("identifier"), f.Map("payload"), f.Long("timestamp"));
            return tx.Respond(MeterJson.Event(record), req.Expand);
        }));

        app.MapPost("/v1/billing/meter_event_adjustments", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var eventName = f.Required("event_name");
            var type = f.Str("type") ?? "cancel";
            if (type != "cancel")
            {
                throw StripeError.InvalidParam("type", "Invalid type: must be cancel");
            }

            var identifier = f["cancel"]?.Str("identifier") ?? throw StripeError.MissingParam("cancel[identifier]");
            var target = tx.S.MeterEvents.FirstOrDefault(e => e.Identifier == identifier && e.EventName == eventName)
                ?? throw new StripeError(HttpStatusCode.BadRequest, "invalid_request_error",
                    $"No meter event found with identifier {identifier}.", "resource_missing", "cancel[identifier]");
            if (tx.Clock.WallNow - target.ReceivedAt > CancelWindowSeconds)
            {
                throw StripeError.InvalidParam("cancel[identifier]", "Meter events can only be cancelled within 24 hours of being received.");
            }

            target.Cancelled = true;
            return tx.Respond(MeterJson.Adjustment(eventName, identifier), req.Expand);
        }));
    }
}
