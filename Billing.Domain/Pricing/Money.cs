namespace Billing.Domain.Pricing;

/// <summary>The one rounding rule: each invoice line rounds to whole cents, half away from zero, as Stripe rounds.</summary>
public static class Money
{
    public static long RoundToCents(decimal amountCents) =>
        (long)decimal.Round(amountCents, 0, MidpointRounding.AwayFromZero);
}
