using Billing.Domain.Catalog;
using Billing.Domain.Payments;
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
    StripePaymentMethods paymentMethods,
    AuditLog audit)
{
    /// <summary>
    /// A new Stripe subscription on <paramref name="target"/>, billed in full from now. Also the way back for a tenant
    /// whose subscription was deleted: Stripe never reactivates a canceled subscription. A card-charged subscription
    /// starts only if its first invoice is paid (<c>error_if_incomplete</c>): without a card, or with one declined, a
    /// <see cref="PaymentRequiredException"/> says so and nothing is created. An invoiced one (<c>send_invoice</c>) needs no card.
    /// </summary>
    public async Task StartAsync(LocalSubscription subscription, PlanTier target, CancellationToken cancellationToken)
    {
        var customer = await customers.EnsureAsync(subscription.TenantId, cancellationToken);
        var invoiced = subscription.CollectionMethod == CollectionMethod.SendInvoice.ToKey();
        var card = invoiced ? null : await paymentMethods.DefaultOfAsync(customer, cancellationToken);
        var collection = invoiced ? CollectionMethod.SendInvoice : CollectionMethod.ChargeAutomatically;
        if (CollectionMethods.NeedsPaymentMethod(target, hasLiveSubscription: false, collection) && card is null)
        {
            throw new PaymentRequiredException(PaymentProblem.MethodRequired,
                $"Choosing the {target.ToKey()} plan needs a card on file. Enter one with Stripe Checkout (POST /api/v1/subscription/checkout).");
        }

        var prices = await catalogIds.PricesForAsync(target, cancellationToken);
        Subscription created;
        try
        {
            created = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
            {
                Customer = customer,
                Items = [.. prices.Select(p => new SubscriptionItemOptions { Price = p })],
                Metadata = new Dictionary<string, string> { ["tenant_id"] = subscription.TenantId.ToString() },
                CollectionMethod = subscription.CollectionMethod,
                DaysUntilDue = invoiced ? subscription.DaysUntilDue : null,
                PaymentBehavior = invoiced ? null : "error_if_incomplete",
            }, new RequestOptions
            {
                // A declined attempt is stored under its key: a new card must make a new key, or the decline would be replayed.
                IdempotencyKey = $"billing-subscription-{subscription.TenantId:N}-{subscription.UpdatedAt.ToUnixTimeMilliseconds()}-{card?.Id ?? "invoiced"}",
            }, cancellationToken);
        }
        catch (StripeException e) when (e.StripeError?.Type == "card_error")
        {
            throw new PaymentRequiredException(PaymentProblem.Declined, $"Your card was declined ({e.StripeError.Message}) Update your payment method and try again.");
        }

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
