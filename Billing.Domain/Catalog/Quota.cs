namespace Billing.Domain.Catalog;

/// <summary>A plan's allowance for one metric.</summary>
/// <param name="GracePercent">For hard caps, how far past <paramref name="Included"/> usage may go before it is denied.</param>
/// <param name="Overage">The price of units past <paramref name="Included"/>; null bills nothing.</param>
public sealed record Quota(Metric Metric, long Included, CapMode Cap, decimal GracePercent, OveragePrice? Overage)
{
    /// <summary>The last unit a hard cap lets through: included plus grace, rounded down; null for soft caps.</summary>
    public long? HardLimit => Cap == CapMode.Hard
        ? (long)decimal.Floor(Included * (1 + GracePercent / 100m))
        : null;
}
