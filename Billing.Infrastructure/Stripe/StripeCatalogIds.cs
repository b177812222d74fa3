using Billing.Domain.Catalog;
using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>The Stripe ids the catalog sync stored, read back by plan and metric (or by price id, for webhooks).</summary>
public sealed class StripeCatalogIds(BillingDbContext db)
{
    /// <summary>The base price (paid plans) and one metered price per metric, in that order.</summary>
    public async Task<IReadOnlyList<string>> PricesForAsync(PlanTier tier, CancellationToken cancellationToken)
    {
        var keys = MetricKeys.All.Select(m => CatalogLookupKeys.MeteredPrice(tier, m)).Prepend(CatalogLookupKeys.BasePrice(tier)).ToList();
        var found = await db.StripeCatalog.AsNoTracking().Where(e => keys.Contains(e.LookupKey)).ToDictionaryAsync(e => e.LookupKey, e => e.StripeId, cancellationToken);
        if (found.Count < keys.Count - 1)
        {
            throw new InvalidOperationException($"The Stripe catalog is not synced for plan {tier.ToKey()}; run the catalog sync.");
        }

        return [.. keys.Where(found.ContainsKey).Select(k => found[k])];
    }

    /// <summary>(plan, metric) of a price id; metric is null for a base price; null when the price is not ours.</summary>
    public async Task<(string Plan, string? Metric)?> DescribeAsync(string priceId, CancellationToken cancellationToken)
    {
        var entry = await db.StripeCatalog.AsNoTracking().FirstOrDefaultAsync(e => e.StripeId == priceId && e.Kind != "meter", cancellationToken);
        return entry?.Plan is { } plan ? (plan, entry.Metric) : null;
    }

    /// <summary>The Stripe meters by metric key (their <c>event_name</c>), as the catalog sync stored them.</summary>
    public async Task<IReadOnlyDictionary<string, string>> MetersAsync(CancellationToken cancellationToken) =>
        await db.StripeCatalog.AsNoTracking().Where(e => e.Kind == "meter" && e.Metric != null)
            .ToDictionaryAsync(e => e.Metric!, e => e.StripeId, cancellationToken);
}
