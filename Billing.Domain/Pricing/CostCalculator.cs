using Billing.Domain.Catalog;

namespace Billing.Domain.Pricing;

/// <summary>Prices a period's usage against a plan, line by line as Stripe invoices it.</summary>
public static class CostCalculator
{
    /// <summary>The base fee plus a line per metric of the plan, in <see cref="MetricKeys.All"/> order; metrics missing from <paramref name="usage"/> count as 0.</summary>
    public static PeriodCost Compute(Plan plan, IReadOnlyDictionary<Metric, long> usage)
    {
        var lines = MetricKeys.All
            .Select(metric => Line(plan.Quota(metric), usage.GetValueOrDefault(metric)))
            .ToList();
        return new PeriodCost(plan.BasePriceCents, lines);
    }

    /// <summary>
    /// Included units are free; units past them are billed only when the quota has an overage price (a hard cap without one
    /// bills nothing, grace units included). The line is rounded once, by <see cref="Money.RoundToCents"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="used"/> is negative.</exception>
    public static CostLine Line(Quota quota, long used)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(used);
        var overageUnits = Math.Max(0, used - quota.Included);
        var amount = quota.Overage is { } price ? Money.RoundToCents(price.PriceOf(overageUnits)) : 0;
        return new CostLine(
            quota.Metric, used, quota.Included, overageUnits, quota.Overage?.UnitPriceCents ?? 0, amount);
    }
}
