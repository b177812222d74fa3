using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Billing;

/// <summary>What a quantity costs at a price, in cents rounded as Stripe rounds: half away from zero, once per line.</summary>
public static class Pricing
{
    public static long Amount(PriceRecord price, decimal quantity) => Round(ExactAmount(price, quantity));

    public static long Round(decimal cents) => (long)Math.Round(cents, 0, MidpointRounding.AwayFromZero);

    public static decimal ExactAmount(PriceRecord price, decimal quantity)
    {
        if (price.BillingScheme != "tiered")
        {
            return (price.UnitAmount ?? 0) * quantity;
        }

        return price.TiersMode == "volume" ? Volume(price.Tiers, quantity) : Graduated(price.Tiers, quantity);
    }

    private static decimal Graduated(IReadOnlyList<PriceTier> tiers, decimal quantity)
    {
        var total = 0m;
        var lower = 0m;
        foreach (var tier in tiers)
        {
            if (quantity <= lower)
            {
                break;
            }

            var upper = tier.UpTo is { } upTo ? Math.Min(upTo, quantity) : quantity;
            total += (upper - lower) * (tier.UnitAmount ?? 0) + (tier.FlatAmount ?? 0);
            lower = tier.UpTo ?? quantity;
        }

        return total;
    }

    private static decimal Volume(IReadOnlyList<PriceTier> tiers, decimal quantity)
    {
        var tier = tiers.FirstOrDefault(t => t.UpTo is null || quantity <= t.UpTo) ?? tiers[^1];
        return quantity * (tier.UnitAmount ?? 0) + (tier.FlatAmount ?? 0);
    }
}
