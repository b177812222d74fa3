using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Billing;

/// <summary>Aggregates a meter's events for one customer over a half-open time range.</summary>
public static class MeterUsage
{
    public static decimal Aggregate(EmulatorState state, MeterRecord meter, string customerId, long start, long end)
    {
        var events = state.MeterEvents
            .Where(e => !e.Cancelled
                && e.EventName == meter.EventName
                && e.Timestamp >= start && e.Timestamp < end
                && e.Payload.GetValueOrDefault(meter.CustomerPayloadKey) == customerId)
            .ToList();
        return meter.Formula switch
        {
            "count" => events.Count,
            "last" => events.OrderBy(e => e.Timestamp).ThenBy(e => e.Seq).Select(Value).LastOrDefault(),
            _ => events.Sum(Value),
        };

        decimal Value(MeterEventRecord e) => MeterIngest.ParseValue(e.Payload.GetValueOrDefault(meter.ValuePayloadKey)) ?? 0m;
    }
}
