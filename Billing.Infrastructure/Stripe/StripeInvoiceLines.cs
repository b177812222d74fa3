using Stripe;

namespace Billing.Infrastructure.Stripe;

/// <summary>Reading Stripe invoice lines the same way for stored invoices and for previews.</summary>
public static class StripeInvoiceLines
{
    public static bool IsProration(InvoiceLineItem line) =>
        line.Parent?.SubscriptionItemDetails?.Proration ?? line.Parent?.InvoiceItemDetails?.Proration ?? false;

    public static string? PriceId(InvoiceLineItem line) => line.Pricing?.PriceDetails?.PriceId;
}
