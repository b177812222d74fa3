using Billing.Domain.Catalog;
using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Tenancy;

/// <summary>Loads a tenant's plan, billing anchor and invoicing state.</summary>
public sealed class TenantBillingStore(BillingDbContext db, BillingCatalog catalog)
{
    private static readonly string[] FinalizedStatuses = ["open", "paid", "void", "uncollectible"];

    public async Task<TenantBilling?> GetAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking()
            .Where(s => s.TenantId == tenantId)
            .Select(s => new { s.Plan, s.Status, s.BillingAnchor })
            .FirstOrDefaultAsync(cancellationToken);
        if (subscription is null || !PlanTiers.TryParse(subscription.Plan, out var tier))
        {
            return null;
        }

        var invoicedThrough = await db.Invoices.AsNoTracking()
            .Where(i => i.TenantId == tenantId && FinalizedStatuses.Contains(i.Status))
            .MaxAsync(i => (DateTimeOffset?)i.PeriodEnd, cancellationToken);
        return new TenantBilling(tenantId, tier, catalog.Plan(tier), subscription.Status, subscription.BillingAnchor, invoicedThrough);
    }
}
