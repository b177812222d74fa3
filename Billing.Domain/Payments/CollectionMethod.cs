namespace Billing.Domain.Payments;

/// <summary>How a tenant's invoices are paid.</summary>
public enum CollectionMethod
{
    /// <summary>Charged to the card on file when the invoice is finalized (Stripe's <c>charge_automatically</c>).</summary>
    ChargeAutomatically,

    /// <summary>Sent to the tenant, who pays it from the invoice's page within its days until due (<c>send_invoice</c>).</summary>
    SendInvoice,
}
