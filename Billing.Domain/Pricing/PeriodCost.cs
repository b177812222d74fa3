namespace Billing.Domain.Pricing;

/// <summary>What a period costs: the plan's base fee plus one line per metric.</summary>
public sealed record PeriodCost(long BaseFeeCents, IReadOnlyList<CostLine> Lines)
{
    public long UsageCents => Lines.Sum(line => line.AmountCents);

    public long TotalCents => BaseFeeCents + UsageCents;
}
