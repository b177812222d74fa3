using Billing.Domain.Catalog;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;
using LocalSubscription = Billing.Infrastructure.Data.Entities.Subscription;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// Starts a tenant's Stripe subscription. Apart from <see cref="SubscriptionChanges"/> because it needs no cache:
/// the migration service attaches the seeded tenant with it before any service runs, and has no Redis.
/// </summary>
public sealed class StripeSubscriptions(
    StripeClient stripe,
    IOptions<StripeOptions> options,
    BillingDbContext db,
    StripeCustomers customers,
    StripeCatalogIds catalogIds,
    AuditLog audit)
{
    /// <summary>
    /// A new Stripe subscription on <paramref name="target"/>, billed in full from now. Also the way back for a tenant
    /// whose subscription was deleted: Stripe never reactivates a canceled subscription.
    /// </summary>
    public async Task StartAsync(LocalSubscription subscription, PlanTier target, CancellationToken cancellationToken)
    {
        var customer = await customers.EnsureAsync(subscription.TenantId, cancellationToken);
        var prices = await catalogIds.PricesForAsync(target, cancellationToken);
        var created = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer,
            Items = [.. prices.Select(p => new SubscriptionItemOptions { Price = p })],
            Metadata = new Dictionary<string, string> { ["tenant_id"] = subscription.TenantId.ToString() },
        }, new RequestOptions { IdempotencyKey = $"billing-subscription-{subscription.TenantId:N}-{subscription.UpdatedAt.ToUnixTimeMilliseconds()}" }, cancellationToken);
        subscription.StripeSubscriptionId = created.Id;
        subscription.Status = created.Status;
        subscription.Plan = target.ToKey();
        subscription.PendingPlan = null;
        subscription.CancelAtPeriodEnd = created.CancelAtPeriodEnd;
        subscription.CanceledAt = null;
        var item = created.Items.Data[0];
        subscription.BillingAnchor = item.CurrentPeriodStart;
        subscription.CurrentPeriodStart = item.CurrentPeriodStart;
        subscription.CurrentPeriodEnd = item.CurrentPeriodEnd;
    }

    /// <summary>Gives a paid subscription that exists only locally (a seeded tenant) its Stripe subscription.</summary>
    public async Task AttachAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, cancellationToken);
        if (!options.Value.Enabled || subscription.StripeSubscriptionId is not null || !PlanTiers.TryParse(subscription.Plan, out var tier) || tier == PlanTier.Free)
        {
            return;
        }

        await StartAsync(subscription, tier, cancellationToken);
        audit.Record(tenantId, "system", "subscription.attached_to_stripe", new { plan = subscription.Plan, subscription.StripeSubscriptionId });
        await db.SaveChangesAsync(cancellationToken);
    }
}
