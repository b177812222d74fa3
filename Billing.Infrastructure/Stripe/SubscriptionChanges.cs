using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Payments;
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
/// A change at the period's end between paid plans puts the new plan's base price on the subscription at
/// once, unprorated: Stripe bills licensed fees in advance, so the renewal then bills the new base fee for
/// the new period. The metered prices (the ended period's tiers, and the quotas in force) follow once
/// Stripe has rolled into the new period. Choosing a paid plan again undoes whatever was scheduled.
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
    private const string Unprorated = "none";

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
        var ended = subscription.Status == "canceled";

        if (!StripeEnabled)
        {
            subscription.Plan = target.ToKey();
            subscription.PendingPlan = null;
            if (ended)
            {
                subscription.Status = "active";
                subscription.CanceledAt = null;
                subscription.CancelAtPeriodEnd = false;
            }
        }
        else if (ended || subscription.StripeSubscriptionId is null)
        {
            if (target != PlanTier.Free)
            {
                await subscriptions.StartAsync(subscription, target, cancellationToken);
            }
            else if (ended)
            {
                MoveToFree(subscription, now);
            }
        }
        else if (target == current)
        {
            if (subscription.PendingPlan is not null || subscription.CancelAtPeriodEnd)
            {
                await SwapPricesAsync(subscription, current, Unprorated, baseOnly: true, cancellationToken);
                subscription.PendingPlan = null;
            }
        }
        else if (timing == PlanChangeTiming.PeriodEnd && target == PlanTier.Free)
        {
            await stripe.V1.Subscriptions.UpdateAsync(subscription.StripeSubscriptionId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true },
                cancellationToken: cancellationToken);
            subscription.PendingPlan = target.ToKey();
            subscription.CancelAtPeriodEnd = true;
        }
        else if (timing == PlanChangeTiming.PeriodEnd)
        {
            await SwapPricesAsync(subscription, target, Unprorated, baseOnly: true, cancellationToken);
            subscription.PendingPlan = target.ToKey();
        }
        else
        {
            await RestorePaidForBaseAsync(subscription, current, cancellationToken);
            if (target == PlanTier.Free)
            {
                await stripe.V1.Subscriptions.CancelAsync(subscription.StripeSubscriptionId, new SubscriptionCancelOptions { Prorate = true, InvoiceNow = true },
                    cancellationToken: cancellationToken);
                MoveToFree(subscription, now);
            }
            else
            {
                await SwapPricesAsync(subscription, target, "create_prorations", baseOnly: false, cancellationToken);
                subscription.Plan = target.ToKey();
                subscription.PendingPlan = null;
            }
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
        if (subscription.Status == "canceled")
        {
            return subscription;
        }

        var now = clock.GetUtcNow();
        if (StripeEnabled && subscription.StripeSubscriptionId is { } stripeId)
        {
            if (atPeriodEnd)
            {
                await stripe.V1.Subscriptions.UpdateAsync(stripeId, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }, cancellationToken: cancellationToken);
            }
            else
            {
                if (PlanTiers.TryParse(subscription.Plan, out var current))
                {
                    await RestorePaidForBaseAsync(subscription, current, cancellationToken);
                }

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

    /// <summary>
    /// The operator's choice of how the tenant pays: by card, or by invoices due <paramref name="daysUntilDue"/> days after
    /// they are sent (no card needed). A live Stripe subscription follows at once; the next invoice is collected the new way.
    /// </summary>
    public async Task<LocalSubscription> SetCollectionAsync(Guid tenantId, CollectionMethod method, int? daysUntilDue, string actor, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, cancellationToken);
        var before = new { method = subscription.CollectionMethod, daysUntilDue = subscription.DaysUntilDue };
        var days = method == CollectionMethod.SendInvoice ? daysUntilDue : null;
        if (StripeEnabled && subscription.StripeSubscriptionId is { } stripeId && !SubscriptionLifecycle.HasEnded(subscription.Status))
        {
            await stripe.V1.Subscriptions.UpdateAsync(stripeId, new SubscriptionUpdateOptions { CollectionMethod = method.ToKey(), DaysUntilDue = days },
                cancellationToken: cancellationToken);
        }

        subscription.CollectionMethod = method.ToKey();
        subscription.DaysUntilDue = days;
        subscription.UpdatedAt = clock.GetUtcNow();
        audit.Record(tenantId, actor, "subscription.collection_changed", new { before, after = new { method = method.ToKey(), daysUntilDue = days } });
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

        // The renewal invoice has billed the ended period's usage at the old tiers; the new period's are the new plan's.
        await SwapPricesAsync(subscription, target, Unprorated, baseOnly: false, cancellationToken);
        subscription.Plan = target.ToKey();
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

    /// <summary>
    /// A scheduled paid downgrade has already put the next plan's base price on the subscription; an immediate change
    /// puts the paid-for one back first (unprorated), so Stripe prorates against what the tenant actually paid.
    /// </summary>
    private async Task RestorePaidForBaseAsync(LocalSubscription subscription, PlanTier current, CancellationToken cancellationToken)
    {
        if (subscription.PendingPlan is { } pending && pending != PlanTier.Free.ToKey())
        {
            await SwapPricesAsync(subscription, current, Unprorated, baseOnly: true, cancellationToken);
        }
    }

    /// <summary>
    /// Puts <paramref name="target"/>'s prices on the Stripe subscription (only its base price when
    /// <paramref name="baseOnly"/>), and lifts any cancellation scheduled for the period's end: every caller moves to a paid plan.
    /// </summary>
    private async Task SwapPricesAsync(LocalSubscription subscription, PlanTier target, string prorationBehavior, bool baseOnly, CancellationToken cancellationToken)
    {
        var existing = await stripe.V1.Subscriptions.GetAsync(subscription.StripeSubscriptionId, cancellationToken: cancellationToken);
        var wantedByRole = new Dictionary<string, string>();
        foreach (var price in await catalogIds.PricesForAsync(target, cancellationToken))
        {
            var role = (await catalogIds.DescribeAsync(price, cancellationToken))?.Metric ?? "base";
            if (!baseOnly || role == "base")
            {
                wantedByRole[role] = price;
            }
        }

        var items = new List<SubscriptionItemOptions>();
        foreach (var item in existing.Items.Data)
        {
            var role = (await catalogIds.DescribeAsync(item.Price.Id, cancellationToken))?.Metric ?? "base";
            if (wantedByRole.Remove(role, out var price))
            {
                items.Add(new SubscriptionItemOptions { Id = item.Id, Price = price });
            }
            else if (!baseOnly)
            {
                items.Add(new SubscriptionItemOptions { Id = item.Id, Deleted = true });
            }
        }

        items.AddRange(wantedByRole.Values.Select(price => new SubscriptionItemOptions { Price = price }));
        var updated = await stripe.V1.Subscriptions.UpdateAsync(subscription.StripeSubscriptionId, new SubscriptionUpdateOptions
        {
            Items = items,
            ProrationBehavior = prorationBehavior,
            CancelAtPeriodEnd = false,
        }, cancellationToken: cancellationToken);
        subscription.Status = updated.Status;
        subscription.CancelAtPeriodEnd = updated.CancelAtPeriodEnd;
    }

    private async Task SyncTenantPlanAsync(LocalSubscription subscription, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.SingleAsync(t => t.Id == subscription.TenantId, cancellationToken);
        tenant.Plan = subscription.Plan;
        tenant.UpdatedAt = clock.GetUtcNow();
    }
}
