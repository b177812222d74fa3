namespace Billing.StripeEmulator.State;

/// <summary>Every stored object: an id, a creation time and a sequence number that orders lists newest first.</summary>
public abstract class Record
{
    public string Id { get; set; } = "";

    public long Created { get; set; }

    public long Seq { get; set; }

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ProductRecord : Record
{
    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public bool Active { get; set; } = true;

    public string? DefaultPrice { get; set; }

    public string? UnitLabel { get; set; }

    public long Updated { get; set; }
}

public sealed class PriceTier
{
    /// <summary>Inclusive upper bound; null for the last ("inf") tier.</summary>
    public long? UpTo { get; set; }

    /// <summary>Per-unit amount in cents, possibly fractional.</summary>
    public decimal? UnitAmount { get; set; }

    /// <summary>Flat amount in cents for reaching this tier, possibly fractional.</summary>
    public decimal? FlatAmount { get; set; }
}

public sealed class PriceRecord : Record
{
    public string Product { get; set; } = "";

    public string Currency { get; set; } = "usd";

    public bool Active { get; set; } = true;

    public string? Nickname { get; set; }

    public string? LookupKey { get; set; }

    /// <summary>Cents, possibly fractional; null for tiered prices.</summary>
    public decimal? UnitAmount { get; set; }

    public string BillingScheme { get; set; } = "per_unit";

    public string? TiersMode { get; set; }

    public List<PriceTier> Tiers { get; set; } = [];

    /// <summary>Null for one-time prices.</summary>
    public string? Interval { get; set; }

    public long IntervalCount { get; set; } = 1;

    public string UsageType { get; set; } = "licensed";

    public string? Meter { get; set; }

    public string TaxBehavior { get; set; } = "unspecified";

    public bool IsMetered => UsageType == "metered";
}

public sealed class CustomerRecord : Record
{
    public string? Name { get; set; }

    public string? Email { get; set; }

    public string? Description { get; set; }

    public string? Phone { get; set; }

    public string? TestClock { get; set; }

    public string InvoicePrefix { get; set; } = "";

    public long NextInvoiceSequence { get; set; } = 1;

    /// <summary>Set through the control surface: payments for this customer fail with a card error.</summary>
    public bool FailPayments { get; set; }

    /// <summary><c>invoice_settings.default_payment_method</c>: charged for invoices whose subscription names none.</summary>
    public string? DefaultPaymentMethod { get; set; }

    public bool Deleted { get; set; }
}
