namespace Billing.Infrastructure.Data.Entities;

/// <summary>A line of a stored invoice: base fee, proration, or a metered price.</summary>
public sealed class InvoiceLine
{
    public Guid Id { get; set; }
    public Guid InvoiceId { get; set; }
    public Guid TenantId { get; set; }
    public required string StripeLineId { get; set; }
    public required string Description { get; set; }
    public string? Metric { get; set; }
    public long Quantity { get; set; }
    public long AmountCents { get; set; }
    public decimal? UnitAmountDecimal { get; set; }
    public bool Proration { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset PeriodEnd { get; set; }
}
