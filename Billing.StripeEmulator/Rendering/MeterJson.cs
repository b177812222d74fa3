using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Billing meters, meter events, adjustments and summaries in Stripe's JSON shape.</summary>
public static class MeterJson
{
    public static JsonObject Meter(MeterRecord m) => new()
    {
        ["id"] = m.Id,
        ["object"] = "billing.meter",
        ["created"] = m.Created,
        ["customer_mapping"] = new JsonObject { ["event_payload_key"] = m.CustomerPayloadKey, ["type"] = "by_id" },
        ["default_aggregation"] = new JsonObject { ["formula"] = m.Formula },
        ["display_name"] = m.DisplayName,
        ["event_name"] = m.EventName,
        ["event_time_window"] = null,
        ["livemode"] = false,
        ["status"] = m.Status,
        ["status_transitions"] = new JsonObject { ["deactivated_at"] = m.DeactivatedAt },
        ["updated"] = m.Updated,
        ["value_settings"] = new JsonObject { ["event_payload_key"] = m.ValuePayloadKey },
    };

    public static JsonObject Event(MeterEventRecord e) => new()
    {
        ["object"] = "billing.meter_event",
        ["created"] = e.Created,
        ["event_name"] = e.EventName,
        ["identifier"] = e.Identifier,
        ["livemode"] = false,
        ["payload"] = Json.Map(e.Payload),
        ["timestamp"] = e.Timestamp,
    };

    public static JsonObject Adjustment(string eventName, string identifier) => new()
    {
        ["object"] = "billing.meter_event_adjustment",
        ["cancel"] = new JsonObject { ["identifier"] = identifier },
        ["event_name"] = eventName,
        ["livemode"] = false,
        ["status"] = "complete",
        ["type"] = "cancel",
    };

    public static JsonObject Summary(string meterId, long start, long end, decimal value) => new()
    {
        ["id"] = $"mtrusg_{meterId}_{start}_{end}",
        ["object"] = "billing.meter_event_summary",
        ["aggregated_value"] = Json.Number(value),
        ["end_time"] = end,
        ["livemode"] = false,
        ["meter"] = meterId,
        ["start_time"] = start,
    };
}
