using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/billing/meters</c>: create, retrieve, update, list, deactivate, reactivate, event summaries.</summary>
public static class MetersEndpoints
{
    private static readonly string[] Formulas = ["sum", "count", "last"];

    /// <summary>Maps the billing meter endpoints.</summary>
    public static void MapMeters(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/billing/meters");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var formula = f["default_aggregation"]?.Str("formula") ?? throw StripeError.MissingParam("default_aggregation[formula]");
            if (!Formulas.Contains(formula))
            {
                throw StripeError.InvalidParam("default_aggregation[formula]", "Invalid default_aggregation[formula]: must be one of sum, count, or last");
            }

            var eventName = f.Required("event_name");
            if (tx.S.Meters.Values.Any(m => m.EventName == eventName && m.Status == "active"))
            {
                throw StripeError.Invalid($"An active meter with event_name `{eventName}` already exists.", "event_name");
            }

            var now = tx.GlobalNow;
            var meter = new MeterRecord
            {
                Id = Ids.New("mtr_test_", 32),
                DisplayName = f.Required("display_name"),
                EventName = eventName,
                Formula = formula,
                CustomerPayloadKey = f["customer_mapping"]?.Str("event_payload_key") ?? "stripe_customer_id",
                ValuePayloadKey = f["value_settings"]?.Str("event_payload_key") ?? "value",
                Created = now,
                Updated = now,
            };
            tx.S.Add(tx.S.Meters, meter);
            tx.Publish("billing.meter.created", MeterJson.Meter(meter));
            return tx.Respond(MeterJson.Meter(meter), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var status = req.Form.Str("status");
            var meters = EmulatorState.NewestFirst(tx.S.Meters.Values.Where(m => string.IsNullOrEmpty(status) || m.Status == status));
            return tx.Respond(StripeList.Page(meters, m => m.Id, m => MeterJson.Meter(m), req.Form, "/v1/billing/meters"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(MeterJson.Meter(Find(tx, id)), req.Expand)));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var meter = Find(tx, id);
            meter.DisplayName = req.Form.Str("display_name") ?? meter.DisplayName;
            meter.Updated = tx.GlobalNow;
            tx.Publish("billing.meter.updated", MeterJson.Meter(meter));
            return tx.Respond(MeterJson.Meter(meter), req.Expand);
        }));

        group.MapPost("/{id}/deactivate", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            SetStatus(tx, req, Find(tx, id), "inactive", "billing.meter.deactivated")));

        group.MapPost("/{id}/reactivate", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            SetStatus(tx, req, Find(tx, id), "active", "billing.meter.reactivated")));

        group.MapGet("/{id}/event_summaries", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            Summaries(tx, req, Find(tx, id))));
    }

    public static MeterRecord Find(Tx tx, string id) =>
        tx.S.Meters.GetValueOrDefault(id) ?? throw StripeError.NotFound("billing.meter", id);

    private static IResult SetStatus(Tx tx, RequestInfo req, MeterRecord meter, string status, string eventType)
    {
        var now = tx.GlobalNow;
        meter.Status = status;
        meter.DeactivatedAt = status == "inactive" ? now : null;
        meter.Updated = now;
        tx.Publish(eventType, MeterJson.Meter(meter));
        return tx.Respond(MeterJson.Meter(meter), req.Expand);
    }

    private static IResult Summaries(Tx tx, RequestInfo req, MeterRecord meter)
    {
        var f = req.Form;
        var customer = f.Required("customer");
        var start = f.Long("start_time") ?? throw StripeError.MissingParam("start_time");
        var end = f.Long("end_time") ?? throw StripeError.MissingParam("end_time");
        if (start % 60 != 0)
        {
            throw StripeError.InvalidParam("start_time", "start_time must be aligned to minute boundaries.");
        }

        if (end % 60 != 0)
        {
            throw StripeError.InvalidParam("end_time", "end_time must be aligned to minute boundaries.");
        }

        if (end <= start)
        {
            throw StripeError.InvalidParam("end_time", "end_time must be after start_time.");
        }

        var window = f.Str("value_grouping_window") switch
        {
            null or "" => 0L,
            "hour" => 3600L,
            "day" => 86400L,
            var other => throw StripeError.InvalidParam("value_grouping_window", $"Invalid value_grouping_window: {other}"),
        };
        var ranges = new List<(long Start, long End)>();
        if (window == 0)
        {
            ranges.Add((start, end));
        }
        else
        {
            for (var from = start; from < end;)
            {
                var to = Math.Min(end, (from / window + 1) * window);
                ranges.Add((from, to));
                from = to;
            }
        }

        var summaries = ranges
            .Select(r => MeterJson.Summary(meter.Id, r.Start, r.End, MeterUsage.Aggregate(tx.S, meter, customer, r.Start, r.End)))
            .ToList();
        return tx.Respond(
            StripeList.Page(summaries, s => (string)s["id"]!, s => s, f, $"/v1/billing/meters/{meter.Id}/event_summaries"),
            req.Expand);
    }
}
