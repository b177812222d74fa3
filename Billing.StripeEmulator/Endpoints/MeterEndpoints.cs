using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/billing/meters</c> and their event summaries.</summary>
public static class MeterEndpoints
{
    /// <summary>Maps billing meters.</summary>
    public static void MapMeters(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/billing/meters");
        group.MapStripePost("", Create);
        group.MapStripeGet("", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.Meters.Values.Where(m => call.Form.Str("status") is not { } status || m.Status == status)),
            m => m.Id, MeterJson.Meter, call.Form, "/v1/billing/meters"));
        group.MapStripeGet("/{id}", (tx, call) => MeterJson.Meter(tx.S.Meters.Find(call.Id, "billing.meter")));
        group.MapStripePost("/{id}", (tx, call) =>
        {
            var meter = tx.S.Meters.Find(call.Id, "billing.meter");
            meter.DisplayName = call.Form.Str("display_name") ?? meter.DisplayName;
            meter.Updated = tx.GlobalNow;
            return MeterJson.Meter(meter);
        });
        group.MapStripePost("/{id}/deactivate", (tx, call) => SetStatus(tx, call.Id, "inactive"));
        group.MapStripePost("/{id}/reactivate", (tx, call) => SetStatus(tx, call.Id, "active"));
        group.MapStripeGet("/{id}/event_summaries", Summaries);
    }

    private static JsonNode Create(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var eventName = form.Required("event_name");
        if (eventName.Length > 100)
        {
            throw StripeError.InvalidParam("event_name", "event_name must be at most 100 characters.");
        }

        if (tx.S.Meters.Values.Any(m => m.EventName == eventName && m.Status == "active"))
        {
            throw StripeError.Invalid($"An active meter with event_name '{eventName}' already exists.", "event_name");
        }

        var formula = form["default_aggregation"]?.Str("formula") ?? throw StripeError.MissingParam("default_aggregation[formula]");
        if (formula is not ("sum" or "count" or "last"))
        {
            throw StripeError.InvalidParam("default_aggregation[formula]", "Invalid default_aggregation[formula]: must be one of count, last, or sum");
        }

        var mapping = form["customer_mapping"];
        if (mapping?.Str("type") is { } type && type != "by_id")
        {
            throw StripeError.InvalidParam("customer_mapping[type]", "Invalid customer_mapping[type]: must be by_id");
        }

        var meter = new MeterRecord
        {
            Id = Ids.New("mtr_test_"),
            Created = tx.GlobalNow,
            Updated = tx.GlobalNow,
            DisplayName = form.Required("display_name"),
            EventName = eventName,
            Formula = formula,
            CustomerPayloadKey = mapping?.Str("event_payload_key") ?? "stripe_customer_id",
            ValuePayloadKey = form["value_settings"]?.Str("event_payload_key") ?? "value",
        };
        tx.S.Add(tx.S.Meters, meter);
        return MeterJson.Meter(meter);
    }

    private static JsonNode SetStatus(Tx tx, string id, string status)
    {
        var meter = tx.S.Meters.Find(id, "billing.meter");
        meter.Status = status;
        meter.DeactivatedAt = status == "inactive" ? tx.GlobalNow : null;
        meter.Updated = tx.GlobalNow;
        return MeterJson.Meter(meter);
    }

    private static JsonNode Summaries(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var meter = tx.S.Meters.Find(call.Id, "billing.meter");
        var customer = form.Required("customer");
        var start = form.Long("start_time") ?? throw StripeError.MissingParam("start_time");
        var end = form.Long("end_time") ?? throw StripeError.MissingParam("end_time");
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

        var window = form.Str("value_grouping_window");
        var step = window switch
        {
            null => 0L,
            "hour" => 3600L,
            "day" => 86400L,
            _ => throw StripeError.InvalidParam("value_grouping_window", "Invalid value_grouping_window: must be one of day or hour"),
        };
        var summaries = new List<(long Start, long End, decimal Value)>();
        if (step == 0)
        {
            summaries.Add((start, end, Usage.Aggregate(tx.S, meter, customer, start, end)));
        }
        else
        {
            for (var bucket = start - (start % step); bucket < end; bucket += step)
            {
                var from = Math.Max(bucket, start);
                var to = Math.Min(bucket + step, end);
                summaries.Add((from, to, Usage.Aggregate(tx.S, meter, customer, from, to)));
            }
        }

        var rendered = summaries.Select(s => MeterJson.Summary(meter.Id, s.Start, s.End, s.Value)).ToList();
        return StripeList.Page(rendered, s => s["id"]!.GetValue<string>(), s => s, form, $"/v1/billing/meters/{meter.Id}/event_summaries");
    }
}
