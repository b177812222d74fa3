namespace Billing.StripeEmulator.State;

public sealed class SubscriptionItemRecord : Record
{
    public string Price { get; set; } = "";

    public long Quantity { get; set; } = 1;
}

public sealed class SubscriptionRecord : Record
{
    public string Customer { get; set; } = "";

    public string Status { get; set; } = "active";

    public string Currency { get; set; } = "usd";

    public List<SubscriptionItemRecord> Items { get; set; } = [];

    public long BillingCycleAnchor { get; set; }

    /// <summary>Number of whole intervals from the anchor to the current period's end.</summary>
    public long PeriodsFromAnchor { get; set; }

    public long CurrentPeriodStart { get; set; }

    public long CurrentPeriodEnd { get; set; }

    public long StartDate { get; set; }

    public bool CancelAtPeriodEnd { get; set; }

    public long? CancelAt { get; set; }

    public long? CanceledAt { get; set; }

    public long? EndedAt { get; set; }

    public string? LatestInvoice { get; set; }

    /// <summary>The period end for which <c>invoice.upcoming</c> was already sent.</summary>
    public long? UpcomingNoticeFor { get; set; }

    public string? Description { get; set; }

    /// <summary>Charged before the customer's default payment method.</summary>
    public string? DefaultPaymentMethod { get; set; }

    /// <summary><c>charge_automatically</c>, or <c>send_invoice</c>: invoices stay open for the customer to pay.</summary>
    public string CollectionMethod { get; set; } = CollectionMethods.ChargeAutomatically;

    /// <summary>With <c>send_invoice</c>: days from finalizing an invoice to its due date.</summary>
    public long? DaysUntilDue { get; set; }

    /// <summary><c>cancellation_details.reason</c>: <c>cancellation_requested</c>, or <c>payment_failed</c> after the last retry.</summary>
    public string? CancellationReason { get; set; }
}

public static class CollectionMethods
{
    public const string ChargeAutomatically = "charge_automatically";
    public const string SendInvoice = "send_invoice";
}

public sealed class TestClockRecord : Record
{
    public string? Name { get; set; }

    public long FrozenTime { get; set; }

    public string Status { get; set; } = "ready";

    public long DeletesAfter { get; set; }
}
