using Billing.Domain.Catalog;

namespace Billing.Domain.Pricing;

/// <summary>The charge for one metric in a period: overage units at the unit price, rounded to whole cents.</summary>
public sealed record CostLine(
    Metric Metric, long Used, long Included, long OverageUnits, decimal UnitPriceCents, long AmountCents);
