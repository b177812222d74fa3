namespace Billing.Infrastructure.Data.Entities;

/// <summary>A Stripe invoice kept locally from webhooks; money in integer cents.</summary>
public sealed class Invoice
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string StripeInvoiceId { get; set; }
    public string? Number { get; set; }

    /// <summary>Stripe's statuses: <c>draft</c>, <c>open</c>, <c>paid</c>, <c>void</c>, <c>uncollectible</c>.</summary>
    public required string Status { get; set; }

    public required string Currency { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset PeriodEnd { get; set; }
    public long SubtotalCents { get; set; }
    public long TotalCents { get; set; }
    public long AmountDueCents { get; set; }
    public long AmountPaidCents { get; set; }
    public string? HostedInvoiceUrl { get; set; }
    public string? InvoicePdfUrl { get; set; }

    /// <summary>How many payment attempts failed or succeeded so far.</summary>
    public int AttemptCount { get; set; }

    /// <summary>When Stripe retries a failed payment next; null once paid or when no retry is left.</summary>
    public DateTimeOffset? NextPaymentAttempt { get; set; }

    /// <summary>With <c>send_invoice</c>: when the invoice must be paid.</summary>
    public DateTimeOffset? DueDate { get; set; }

    /// <summary>Creation time of the newest Stripe event applied to this invoice.</summary>
    public DateTimeOffset? StripeEventAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<InvoiceLine> Lines { get; set; } = [];
}
