namespace Billing.StripeEmulator.State;

public sealed class InvoiceLineRecord
{
    public string Id { get; set; } = "";

    public long Amount { get; set; }

    public string Description { get; set; } = "";

    public long PeriodStart { get; set; }

    public long PeriodEnd { get; set; }

    public decimal Quantity { get; set; }

    public string? Price { get; set; }

    public string? SubscriptionItem { get; set; }

    public string? Subscription { get; set; }

    public bool Proration { get; set; }

    /// <summary>Set when the line comes from a pending invoice item (prorations).</summary>
    public string? InvoiceItem { get; set; }
}

public sealed class InvoiceItemRecord : Record
{
    public string Customer { get; set; } = "";

    public string? Subscription { get; set; }

    public string? SubscriptionItem { get; set; }

    public string? Price { get; set; }

    public long Amount { get; set; }

    public string Currency { get; set; } = "usd";

    public string Description { get; set; } = "";

    public long PeriodStart { get; set; }

    public long PeriodEnd { get; set; }

    public bool Proration { get; set; }

    public long Quantity { get; set; } = 1;

    public string? Invoice { get; set; }

    public string? TestClock { get; set; }
}

public sealed class InvoiceRecord : Record
{
    public string Customer { get; set; } = "";

    public string? Subscription { get; set; }

    public string Status { get; set; } = "draft";

    public string BillingReason { get; set; } = "manual";

    public string Currency { get; set; } = "usd";

    public List<InvoiceLineRecord> Lines { get; set; } = [];

    public long PeriodStart { get; set; }

    public long PeriodEnd { get; set; }

    public string? Number { get; set; }

    public long AttemptCount { get; set; }

    public bool Attempted { get; set; }

    public long AmountPaid { get; set; }

    public long? FinalizedAt { get; set; }

    public long? PaidAt { get; set; }

    public long? VoidedAt { get; set; }

    public long? NextPaymentAttempt { get; set; }

    /// <summary>When the first automatic payment attempt failed: the retry schedule counts from here.</summary>
    public long? FirstFailedAt { get; set; }

    public string CollectionMethod { get; set; } = CollectionMethods.ChargeAutomatically;

    /// <summary>With <c>send_invoice</c>: when payment is due.</summary>
    public long? DueDate { get; set; }

    /// <summary><c>invoice.overdue</c> was sent for the due date.</summary>
    public bool Overdue { get; set; }

    public string? TestClock { get; set; }

    /// <summary>A renewal's draft: when it is finalized (<c>automatically_finalizes_at</c>).</summary>
    public long? AutoFinalizeAt { get; set; }

    public long Total => Lines.Sum(line => line.Amount);
}
