using System.Net;
using System.Text;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Pages;

/// <summary>The pages behind <c>hosted_invoice_url</c> and <c>invoice_pdf</c>; public, as Stripe's are.</summary>
public static class InvoicePages
{
    /// <summary>Maps <c>/invoices/{id}</c> (HTML) and <c>/invoices/{id}/pdf</c>.</summary>
    public static void MapInvoicePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/invoices/{id}", (string id, EmulatorRuntime rt) =>
            rt.Store.Read(state => InvoiceDocument.From(state, id)) is { } doc
                ? Results.Content(Html(doc), "text/html; charset=utf-8")
                : Results.NotFound());

        app.MapGet("/invoices/{id}/pdf", (string id, EmulatorRuntime rt) =>
        {
            var doc = rt.Store.Read(state => InvoiceDocument.From(state, id));
            if (doc is null)
            {
                return Results.NotFound();
            }

            return InvoicePdf.Available
                ? Results.File(InvoicePdf.Render(doc), "application/pdf", $"{doc.Number ?? doc.Id}.pdf")
                : Results.Problem("No TrueType font is installed on this machine, so no PDF can be drawn.", statusCode: 503);
        });
    }

    private static string Html(InvoiceDocument doc)
    {
        var rows = new StringBuilder();
        foreach (var (description, quantity, amount) in doc.Lines)
        {
            rows.Append($"<tr><td>{E(description)}</td><td>{E(quantity)}</td><td class=\"n\">{InvoiceDocument.Money(amount)}</td></tr>");
        }

        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Invoice {{E(doc.Number ?? doc.Id)}}</title>
            <style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto}td,th{padding:.3rem .6rem;text-align:left}.n{text-align:right}</style>
            </head><body>
            <h1>Invoice {{E(doc.Number ?? doc.Id)}}</h1>
            <p>Billed to {{E(doc.CustomerName)}} · period {{InvoiceDocument.Date(doc.PeriodStart)}} – {{InvoiceDocument.Date(doc.PeriodEnd)}} · status <strong>{{E(doc.Status)}}</strong></p>
            <table><thead><tr><th>Description</th><th>Qty</th><th class="n">Amount</th></tr></thead><tbody>{{rows}}</tbody>
            <tfoot><tr><th colspan="2">Total</th><th class="n">{{InvoiceDocument.Money(doc.Total)}}</th></tr>
            <tr><th colspan="2">Amount paid</th><th class="n">{{InvoiceDocument.Money(doc.AmountPaid)}}</th></tr></tfoot></table>
            <p><a href="/invoices/{{E(doc.Id)}}/pdf">Download PDF</a></p>
            </body></html>
            """;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
