namespace Billing.Domain.Catalog;

/// <summary>
/// A price of <paramref name="AmountCents"/> per <paramref name="PerUnits"/> units, kept as the pair the
/// catalog states ("$2.00 per 1M" is (200, 1 000 000)) so amounts are computed without rounding the unit price.
/// </summary>
public sealed record OveragePrice(decimal AmountCents, long PerUnits)
{
    public decimal UnitPriceCents => AmountCents / PerUnits;

    /// <summary>The unrounded price of <paramref name="units"/> units, in cents.</summary>
    public decimal PriceOf(long units) => units * AmountCents / PerUnits;
}
