using Billing.Domain.Catalog;

namespace Billing.Infrastructure.Stripe;

/// <summary>The lookup keys that find the catalog's Stripe objects again (no price ids in configuration).</summary>
public static class CatalogLookupKeys
{
    public static string BasePrice(PlanTier tier) => $"billing_{tier.ToKey()}_base";

    public static string MeteredPrice(PlanTier tier, Metric metric) => $"billing_{tier.ToKey()}_{metric.ToKey()}";

    public static string Meter(Metric metric) => $"meter_{metric.ToKey()}";
}
