namespace Billing.Api.Invoices;

public sealed record InvoiceSummary(
    Guid Id, string? Number, string Status, string Currency, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    long SubtotalCents, long TotalCents, long AmountDueCents, long AmountPaidCents, string? HostedInvoiceUrl, string? InvoicePdfUrl, DateTimeOffset CreatedAt);

public sealed record InvoicePage(IReadOnlyList<InvoiceSummary> Items, int Page, int PageSize, int Total);

public sealed record InvoiceLineResponse(
    string Id, string Description, string? Metric, long Quantity, long AmountCents, string? UnitAmountDecimal, bool Proration, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);

public sealed record InvoiceDetail(InvoiceSummary Invoice, IReadOnlyList<InvoiceLineResponse> Lines);

public sealed record InvoicePreview(
    string Currency, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, long SubtotalCents, long TotalCents, long AmountDueCents, IReadOnlyList<InvoiceLineResponse> Lines);
