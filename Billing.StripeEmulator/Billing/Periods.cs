using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Billing;

/// <summary>Billing period boundaries: whole intervals counted from the anchor, so month ends clamp as Stripe's do.</summary>
public static class Periods
{
    public static long Add(long anchor, string interval, long count)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(anchor);
        var end = interval switch
        {
            "day" => start.AddDays(count),
            "week" => start.AddDays(7 * count),
            "year" => start.AddYears((int)count),
            _ => start.AddMonths((int)count),
        };
        return end.ToUnixTimeSeconds();
    }

    /// <summary>The interval of a subscription: that of its first item's price.</summary>
    public static (string Interval, long Count) Of(EmulatorState state, SubscriptionRecord sub)
    {
        var price = state.Prices[sub.Items[0].Price];
        return (price.Interval ?? "month", price.IntervalCount);
    }

    public static long End(EmulatorState state, SubscriptionRecord sub, long periodsFromAnchor)
    {
        var (interval, count) = Of(state, sub);
        return Add(sub.BillingCycleAnchor, interval, count * periodsFromAnchor);
    }
}
