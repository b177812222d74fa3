using System.Globalization;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Billing;

/// <summary>Aggregates a customer's meter events over a window with the meter's formula.</summary>
public static class Usage
{
    /// <summary>Events of the meter for the customer with <c>start &lt;= timestamp &lt; end</c>, cancelled ones excluded.</summary>
    public static IEnumerable<MeterEventRecord> Events(EmulatorState state, MeterRecord meter, string customer, long start, long end) =>
        state.MeterEvents.Where(e => !e.Cancelled && e.EventName == meter.EventName &&
                                     e.Timestamp >= start && e.Timestamp < end &&
                                     e.Payload.GetValueOrDefault(meter.CustomerPayloadKey) == customer);

    public static decimal Aggregate(EmulatorState state, MeterRecord meter, string customer, long start, long end)
    {
        var events = Events(state, meter, customer, start, end).ToList();
        return meter.Formula switch
        {
            "count" => events.Count,
            "last" => events.OrderBy(e => e.Timestamp).ThenBy(e => e.Seq).Select(e => Value(meter, e)).LastOrDefault(),
            _ => events.Sum(e => Value(meter, e)),
        };
    }

    private static decimal Value(MeterRecord meter, MeterEventRecord e) =>
        decimal.TryParse(e.Payload.GetValueOrDefault(meter.ValuePayloadKey), NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
