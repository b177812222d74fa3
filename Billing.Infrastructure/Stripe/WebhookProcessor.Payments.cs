using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Stripe;
using CheckoutSession = Stripe.Checkout.Session;

namespace Billing.Infrastructure.Stripe;

/// <summary>Checkout's outcome and card changes: how a tenant's subscription and card reach this system.</summary>
public sealed partial class WebhookProcessor
{
    /// <summary>
    /// A completed Checkout links its subscription to the tenant, as the subscription's own events (before or after it)
    /// would: reading the subscription as Stripe holds it now makes the order of arrival irrelevant. Its card becomes
    /// the customer's default (Stripe's Checkout sets only the subscription's), so later charges and changes find it.
    /// </summary>
    private async Task<(string, Guid?)> ApplyCheckoutAsync(string type, CheckoutSession session, DateTimeOffset created, CancellationToken cancellationToken)
    {
        var tenant = await TenantOfAsync(session.CustomerId, cancellationToken);
        if (tenant is null || (session.ClientReferenceId is { } reference && reference != tenant.Id.ToString()))
        {
            return ("ignored", tenant?.Id);
        }

        if (type == "checkout.session.expired")
        {
            audit.Record(tenant.Id, "stripe", "checkout.expired", new { sessionId = session.Id });
            return ("processed", tenant.Id);
        }

        if (type != "checkout.session.completed")
        {
            return ("ignored", tenant.Id);
        }

        var local = await db.Subscriptions.SingleAsync(s => s.TenantId == tenant.Id, cancellationToken);
        if (session.SubscriptionId is { } subscriptionId)
        {
            var remote = await stripe.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: cancellationToken);
            if (local.StripeSubscriptionId is { } known && known != subscriptionId && !SubscriptionLifecycle.HasEnded(local.Status))
            {
                logger.LogWarning("Checkout {Session} subscribed tenant {TenantId} again while {Subscription} is live", session.Id, tenant.Id, known);
                return ("ignored", tenant.Id);
            }

            // A tenant whose earlier subscription ended keeps that id until a new one is linked: this is the new one.
            local.StripeSubscriptionId = subscriptionId;
            if (remote.DefaultPaymentMethodId is { } card && await paymentMethods.DefaultOfAsync(tenant.StripeCustomerId!, cancellationToken) is null)
            {
                await stripe.V1.Customers.UpdateAsync(tenant.StripeCustomerId, new CustomerUpdateOptions
                {
                    InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = card },
                }, cancellationToken: cancellationToken);
            }

            await ApplySubscriptionAsync("customer.subscription.updated", remote, created, cancellationToken);
        }

        await paymentMethods.RefreshAsync(local, tenant.StripeCustomerId!, cancellationToken);
        audit.Record(tenant.Id, "stripe", "checkout.completed", new { sessionId = session.Id, subscription = session.SubscriptionId, plan = local.Plan });
        return ("processed", tenant.Id);
    }

    /// <summary>A card attached, detached or made the default: the copy the dashboard shows follows Stripe's customer default.</summary>
    private async Task<(string, Guid?)> ApplyCardAsync(string? customerId, CancellationToken cancellationToken)
    {
        var tenant = await TenantOfAsync(customerId, cancellationToken);
        if (tenant is null)
        {
            return ("ignored", null);
        }

        var local = await db.Subscriptions.SingleAsync(s => s.TenantId == tenant.Id, cancellationToken);
        await paymentMethods.RefreshAsync(local, tenant.StripeCustomerId!, cancellationToken);
        return ("processed", tenant.Id);
    }

    /// <summary>A detached card names no customer any more: the tenant is the one whose card it was.</summary>
    private Task<string?> CustomerOfCardAsync(string paymentMethodId, CancellationToken cancellationToken) =>
        db.Subscriptions.Where(s => s.PaymentMethodId == paymentMethodId)
            .Join(db.Tenants, s => s.TenantId, t => t.Id, (_, t) => t.StripeCustomerId)
            .FirstOrDefaultAsync(cancellationToken);

    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
}
