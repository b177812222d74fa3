namespace Billing.StripeEmulator.State;

public sealed class PaymentMethodRecord : Record
{
    /// <summary>Null until attached, and again once detached.</summary>
    public string? Customer { get; set; }

    public string Brand { get; set; } = "visa";

    public string Last4 { get; set; } = "";

    public long ExpMonth { get; set; }

    public long ExpYear { get; set; }

    public string Funding { get; set; } = "credit";

    public string Fingerprint { get; set; } = "";

    public string? BillingName { get; set; }

    /// <summary>The test card's behaviour: it attaches, and every charge on it is declined.</summary>
    public bool ChargesFail { get; set; }
}

public sealed class CheckoutLineRecord
{
    public string Price { get; set; } = "";

    /// <summary>Null for metered prices, whose quantity is their usage.</summary>
    public long? Quantity { get; set; }
}

public sealed class CheckoutSessionRecord : Record
{
    /// <summary><c>subscription</c> or <c>setup</c>.</summary>
    public string Mode { get; set; } = "subscription";

    public string? Customer { get; set; }

    public string? ClientReferenceId { get; set; }

    public List<CheckoutLineRecord> LineItems { get; set; } = [];

    public string SuccessUrl { get; set; } = "";

    public string? CancelUrl { get; set; }

    public Dictionary<string, string> SubscriptionMetadata { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>open</c>, <c>complete</c> or <c>expired</c>.</summary>
    public string Status { get; set; } = "open";

    /// <summary><c>unpaid</c>, <c>paid</c> or <c>no_payment_required</c>.</summary>
    public string PaymentStatus { get; set; } = "unpaid";

    public long ExpiresAt { get; set; }

    public string Currency { get; set; } = "usd";

    public long? AmountTotal { get; set; }

    public string? Subscription { get; set; }

    public string? Invoice { get; set; }

    public string? SetupIntent { get; set; }

    public string? TestClock { get; set; }
}

public sealed class SetupIntentRecord : Record
{
    public string Customer { get; set; } = "";

    public string PaymentMethod { get; set; } = "";
}

public sealed class PortalSessionRecord : Record
{
    public string Customer { get; set; } = "";

    public string? ReturnUrl { get; set; }

    /// <summary>The unguessable part of the page's address; the id alone does not open it.</summary>
    public string Secret { get; set; } = "";
}
