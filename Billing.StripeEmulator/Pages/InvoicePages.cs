using System.Globalization;
using System.Net;
using System.Text;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Pages;

/// <summary>The pages behind <c>hosted_invoice_url</c> (HTML) and <c>invoice_pdf</c> (a real PDF).</summary>
public static class InvoicePages
{
    /// <summary>Maps <c>/invoices/{id}</c> and <c>/invoices/{id}/pdf</c>.</summary>
    public static void MapInvoicePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/invoices/{id}", (string id, EmulatorRuntime runtime) =>
            Load(runtime, id) is { } view ? Results.Content(Html(view), "text/html; charset=utf-8") : Results.NotFound());
        app.MapGet("/invoices/{id}/pdf", (string id, EmulatorRuntime runtime) =>
            Load(runtime, id) is { } view ? Results.File(InvoicePdf.Render(view), "application/pdf", $"{view.Number ?? view.Id}.pdf") : Results.NotFound());
    }

    private static InvoiceView? Load(EmulatorRuntime runtime, string id) => runtime.Store.Read(state =>
    {
        if (!state.Invoices.TryGetValue(id, out var invoice))
        {
            return null;
        }

        var customer = state.Customers[invoice.Customer];
        return new InvoiceView(invoice.Id, invoice.Number, invoice.Status, customer.Name ?? customer.Email ?? customer.Id,
            invoice.PeriodStart, invoice.PeriodEnd, invoice.Currency,
            invoice.Lines.Select(l => new InvoiceLineView(l.Description, l.Quantity, l.Amount)).ToList(), invoice.Total, invoice.AmountPaid);
    });

    public static string Money(long cents, string currency) =>
        $"{(cents < 0 ? "-" : "")}{Math.Abs(cents) / 100m:0.00} {currency.ToUpperInvariant()}".Replace(',', '.');

    public static string Date(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Html(InvoiceView view)
    {
        var rows = new StringBuilder();
        foreach (var line in view.Lines)
        {
            rows.Append(CultureInfo.InvariantCulture, $"<tr><td>{WebUtility.HtmlEncode(line.Description)}</td><td>{line.Quantity}</td><td>{Money(line.Amount, view.Currency)}</td></tr>");
        }

        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Invoice {WebUtility.HtmlEncode(view.Number ?? view.Id)}</title></head>
            <body>
            <h1>Invoice {WebUtility.HtmlEncode(view.Number ?? view.Id)}</h1>
            <p>Billed to {WebUtility.HtmlEncode(view.Customer)} for {Date(view.PeriodStart)} to {Date(view.PeriodEnd)}. Status: {view.Status}.</p>
            <table><thead><tr><th>Description</th><th>Quantity</th><th>Amount</th></tr></thead><tbody>{rows}</tbody></table>
            <p>Total: {Money(view.Total, view.Currency)}. Paid: {Money(view.AmountPaid, view.Currency)}.</p>
            </body></html>
            """;
    }
}

public sealed record InvoiceLineView(string Description, decimal Quantity, long Amount);

public sealed record InvoiceView(string Id, string? Number, string Status, string Customer, long PeriodStart, long PeriodEnd,
    string Currency, IReadOnlyList<InvoiceLineView> Lines, long Total, long AmountPaid);
