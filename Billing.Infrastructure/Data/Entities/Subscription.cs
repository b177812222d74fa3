namespace Billing.Infrastructure.Data.Entities;

/// <summary>A tenant's subscription. Stripe is the source of truth; this row follows its webhooks.</summary>
public sealed class Subscription
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Plan { get; set; }

    /// <summary>Stripe's statuses: <c>active</c>, <c>past_due</c>, <c>canceled</c>, <c>incomplete</c>, ...</summary>
    public required string Status { get; set; }

    public string? StripeSubscriptionId { get; set; }

    /// <summary>The start of the first period: monthly periods are anchored on it.</summary>
    public DateTimeOffset BillingAnchor { get; set; }

    public DateTimeOffset CurrentPeriodStart { get; set; }
    public DateTimeOffset CurrentPeriodEnd { get; set; }
    public bool CancelAtPeriodEnd { get; set; }
    public DateTimeOffset? CanceledAt { get; set; }

    /// <summary>A downgrade scheduled for the end of the current period.</summary>
    public string? PendingPlan { get; set; }

    /// <summary>When a payment failed (or a sent invoice passed its due date); the payment grace period runs from here.</summary>
    public DateTimeOffset? PaymentFailedAt { get; set; }

    /// <summary><c>charge_automatically</c> (a card on file), or <c>send_invoice</c>, chosen by the operator.</summary>
    public string CollectionMethod { get; set; } = "charge_automatically";

    /// <summary>With <c>send_invoice</c>: the days a tenant has to pay an invoice.</summary>
    public int? DaysUntilDue { get; set; }

    /// <summary>The Stripe customer's default card, as its webhooks last told; null when none is on file.</summary>
    public string? PaymentMethodId { get; set; }

    /// <summary>The default card's brand (<c>visa</c>, <c>mastercard</c>, ...), last four digits and expiry, shown to the tenant.</summary>
    public string? PaymentMethodBrand { get; set; }

    public string? PaymentMethodLast4 { get; set; }
    public int? PaymentMethodExpMonth { get; set; }
    public int? PaymentMethodExpYear { get; set; }

    /// <summary>Creation time of the newest Stripe event applied, so older deliveries cannot overwrite newer state.</summary>
    public DateTimeOffset? StripeEventAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
