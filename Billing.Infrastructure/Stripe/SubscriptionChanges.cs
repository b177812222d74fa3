using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;
using LocalSubscription = Billing.Infrastructure.Data.Entities.Subscription;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// Plan changes and cancellations. Stripe is the source of truth: the change is made there first,
/// applied to the local row optimistically, and the webhooks that follow reconcile it.
/// Free has no Stripe subscription: moving to a paid plan creates one; moving to Free cancels it at
/// the period's end (or now), after which the tenant continues on Free.
/// Without a Stripe key (a local-only deployment) changes apply to the local row alone.
/// </summary>
public sealed class SubscriptionChanges(
    StripeClient stripe,
    IOptions<StripeOptions> options,
    BillingDbContext db,
    BillingCatalog catalog,
    StripeSubscriptions subscriptions,
    StripeCatalogIds catalogIds,
    CacheInvalidation caches,
    AuditLog audit,
    TimeProvider clock)
{
    private bool StripeEnabled => options.Value.Enabled;

    public async Task<LocalSubscription> ChangePlanAsync(Guid tenantId, PlanTier target, PlanChangeTiming? requested, string actor, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, cancellationToken);
        if (!PlanTiers.TryParse(subscription.Plan, out var current))
        {
            throw new InvalidOperationException($"Unknown plan '{subscription.Plan}' on the subscription of tenant {tenantId}.");
        }

        var upgrade = catalog.Plan(target).BasePriceCents > catalog.Plan(current).BasePriceCents;
        var timing = requested ?? (upgrade ? PlanChangeTiming.Now : PlanChangeTiming.PeriodEnd);
        var now = clock.GetUtcNow();

        if (target == current)
        {
            subscription.PendingPlan = null;
        }
        else if (!StripeEnabled)
        {
            subscription.Plan = target.ToKey();
        }
        else if (subscription.StripeSubscriptionId is null)
        {
            if (target != PlanTier.Free)
            {
                await subscriptions.StartAsync(subscription, target, cancellationToken);
            }
        }
        else if (timing == PlanChangeTiming.PeriodEnd)
        {
            subscription.PendingPlan = target.ToKey();
            if (target == PlanTier.Free)
            {
                await stripe.V1.Subscriptions.UpdateAsync(subscription.StripeSubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true },
                    cancellationToken: cancellationToken);
                subscription.CancelAtPeriodEnd = true;
            }
        }
        else if (target == PlanTier.Free)
        {
            await stripe.V1.Subscriptions.CancelAsync(subscription.StripeSubscriptionId, new SubscriptionCancelOptions { Prorate = true, InvoiceNow = true },
                cancellationToken: cancellationToken);
            MoveToFree(subscription, now);
        }
        else
        {
            await SwapPricesAsync(subscription, target, "create_prorations", cancellationToken);
        }

        subscription.UpdatedAt = now;
        audit.Record(tenantId, actor, "subscription.plan_changed", new { from = current.ToKey(), to = target.ToKey(), timing = timing.ToString(), pendingPlan = subscription.PendingPlan });
        await SyncTenantPlanAsync(subscription, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await caches.EvictEverywhereAsync(TenantBillingStore.CacheKey(tenantId));
        return subscription;
    }

    public async Task<LocalSubscription> CancelAsync(Guid tenantId, bool atPeriodEnd, string actor, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, cancellationToken);
        var now = clock.GetUtcNow();
        if (StripeEnabled && subscription.StripeSubscriptionId is { } stripeId)
        {
            if (atPeriodEnd)
            {
                await stripe.V1.Subscriptions.UpdateAsync(stripeId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }, cancellationToken: cancellationToken);
            }
            else
            {
                await stripe.V1.Subscriptions.CancelAsync(stripeId, new SubscriptionCancelOptions { Prorate = true, InvoiceNow = true }, cancellationToken: cancellationToken);
            }
        }

        subscription.PendingPlan = null;
        if (atPeriodEnd && subscription.StripeSubscriptionId is not null)
        {
            subscription.CancelAtPeriodEnd = true;
        }
        else
        {
            subscription.Status = "canceled";
            subscription.CanceledAt = now;
        }

        subscription.UpdatedAt = now;
        audit.Record(tenantId, actor, "subscription.cancelled", new { atPeriodEnd });
        await db.SaveChangesAsync(cancellationToken);
        await caches.EvictEverywhereAsync(TenantBillingStore.CacheKey(tenantId));
        return subscription;
    }

    /// <summary>Applies a downgrade scheduled for the period end, once Stripe has rolled the subscription into its next period.</summary>
    public async Task ApplyPendingAsync(LocalSubscription subscription, CancellationToken cancellationToken)
    {
        if (subscription.PendingPlan is not { } pending || !PlanTiers.TryParse(pending, out var target) || target == PlanTier.Free
            || subscription.StripeSubscriptionId is null)
        {
            return;
        }

        await SwapPricesAsync(subscription, target, "none", cancellationToken);
        subscription.PendingPlan = null;
        audit.Record(subscription.TenantId, "stripe", "subscription.pending_plan_applied", new { plan = pending });
        await SyncTenantPlanAsync(subscription, cancellationToken);
    }

    /// <summary>After Stripe deleted the subscription of a tenant moving to Free: continue on Free, anchored now.</summary>
    public static void MoveToFree(LocalSubscription subscription, DateTimeOffset now)
    {
        var period = BillingPeriod.Containing(now, now);
        subscription.Plan = PlanTier.Free.ToKey();
        subscription.Status = "active";
        subscription.StripeSubscriptionId = null;
        subscription.PendingPlan = null;
        subscription.CancelAtPeriodEnd = false;
        subscription.PaymentFailedAt = null;
        subscription.BillingAnchor = now;
        subscription.CurrentPeriodStart = period.Start;
        subscription.CurrentPeriodEnd = period.End;
    }

    private async Task SwapPricesAsync(LocalSubscription subscription, PlanTier target, string prorationBehavior, CancellationToken cancellationToken)
    {
        var existing = await stripe.V1.Subscriptions.GetAsync(subscription.StripeSubscriptionId, cancellationToken: cancellationToken);
        var wanted = await catalogIds.PricesForAsync(target, cancellationToken);
        var wantedByRole = new Dictionary<string, string>();
        foreach (var price in wanted)
        {
            var role = await catalogIds.DescribeAsync(price, cancellationToken);
            wantedByRole[role?.Metric ?? "base"] = price;
        }

        var items = new List<SubscriptionItemOptions>();
        foreach (var item in existing.Items.Data)
        {
            var role = (await catalogIds.DescribeAsync(item.Price.Id, cancellationToken))?.Metric ?? "base";
            items.Add(wantedByRole.Remove(role, out var price)
                ? new SubscriptionItemOptions { Id = item.Id, Price = price }
                : new SubscriptionItemOptions { Id = item.Id, Deleted = true });
        }

        items.AddRange(wantedByRole.Values.Select(price => new SubscriptionItemOptions { Price = price }));
        var updated = await stripe.V1.Subscriptions.UpdateAsync(subscription.StripeSubscriptionId, new SubscriptionUpdateOptions
        {
            Items = items,
            ProrationBehavior = prorationBehavior,
        }, cancellationToken: cancellationToken);
        subscription.Plan = target.ToKey();
        subscription.Status = updated.Status;
        subscription.PendingPlan = null;
    }

    private async Task SyncTenantPlanAsync(LocalSubscription subscription, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.SingleAsync(t => t.Id == subscription.TenantId, cancellationToken);
        tenant.Plan = subscription.Plan;
        tenant.UpdatedAt = clock.GetUtcNow();
    }
}
