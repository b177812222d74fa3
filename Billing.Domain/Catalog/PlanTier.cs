namespace Billing.Domain.Catalog;

public enum PlanTier
{
    Free,
    Standard,
    Enterprise,
}
