using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Stripe;
using LocalSubscription = Billing.Infrastructure.Data.Entities.Subscription;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// The tenant's card: Stripe's customer default is the one truth (read live before charging decisions), and a copy
/// of its brand, last four digits and expiry is kept on the subscription row for the dashboard, refreshed by webhooks.
/// </summary>
public sealed class StripePaymentMethods(StripeClient stripe, BillingDbContext db, StripeCustomers customers, AuditLog audit)
{
    /// <summary>Stripe's test Visa: attached as the demo tenant's card, never in live mode.</summary>
    public const string TestVisaToken = "pm_card_visa";

    /// <summary>The customer's default card as Stripe holds it now; null when none is set.</summary>
    public async Task<PaymentMethod?> DefaultOfAsync(string customerId, CancellationToken cancellationToken)
    {
        var customer = await stripe.V1.Customers.GetAsync(customerId, new CustomerGetOptions { Expand = ["invoice_settings.default_payment_method"] },
            cancellationToken: cancellationToken);
        return customer.Deleted == true ? null : customer.InvoiceSettings?.DefaultPaymentMethod;
    }

    /// <summary>Copies the customer's default card onto the tenant's subscription row; a change is audit-logged.</summary>
    public async Task RefreshAsync(LocalSubscription subscription, string customerId, CancellationToken cancellationToken)
    {
        var card = await DefaultOfAsync(customerId, cancellationToken);
        if (card?.Id == subscription.PaymentMethodId)
        {
            return;
        }

        subscription.PaymentMethodId = card?.Id;
        subscription.PaymentMethodBrand = card?.Card?.Brand;
        subscription.PaymentMethodLast4 = card?.Card?.Last4;
        subscription.PaymentMethodExpMonth = card?.Card is { } c ? (int)c.ExpMonth : null;
        subscription.PaymentMethodExpYear = card?.Card is { } y ? (int)y.ExpYear : null;
        audit.Record(subscription.TenantId, "stripe", card is null ? "payment_method.removed" : "payment_method.changed",
            card is null ? null : new { brand = card.Card?.Brand, last4 = card.Card?.Last4, expMonth = card.Card?.ExpMonth, expYear = card.Card?.ExpYear });
    }

    /// <summary>Gives the tenant's customer Stripe's test Visa as its default card, unless it has a default already.</summary>
    public async Task AttachTestCardAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var customer = await customers.EnsureAsync(tenantId, cancellationToken);
        if (await DefaultOfAsync(customer, cancellationToken) is not null)
        {
            return;
        }

        var card = await stripe.V1.PaymentMethods.AttachAsync(TestVisaToken, new PaymentMethodAttachOptions { Customer = customer }, cancellationToken: cancellationToken);
        await stripe.V1.Customers.UpdateAsync(customer, new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = card.Id } },
            cancellationToken: cancellationToken);
        audit.Record(tenantId, "system", "payment_method.test_card_attached", new { brand = card.Card?.Brand, last4 = card.Card?.Last4 });
        await db.SaveChangesAsync(cancellationToken);
    }
}
