using System.Globalization;
using System.Text;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Pages;

/// <summary>
/// The pages behind <c>hosted_invoice_url</c> (HTML, with a card form to pay an open invoice) and <c>invoice_pdf</c>
/// (a real PDF). Paying here charges the card typed for this invoice only; it does not become a default.
/// </summary>
public static class InvoicePages
{
    /// <summary>Maps <c>/invoices/{id}</c> (GET shows, POST <c>/pay</c> pays) and <c>/invoices/{id}/pdf</c>.</summary>
    public static void MapInvoicePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/invoices/{id}", (string id, EmulatorRuntime runtime) =>
            Load(runtime, id) is { } view ? HostedPage.Html($"Invoice {view.Number ?? view.Id}", Html(view)) : HostedPage.NotFound("There is no such invoice."));
        app.MapGet("/invoices/{id}/pdf", (string id, EmulatorRuntime runtime) =>
            Load(runtime, id) is { } view ? Results.File(InvoicePdf.Render(view), "application/pdf", $"{view.Number ?? view.Id}.pdf") : Results.NotFound());
        app.MapPost("/invoices/{id}/pay", async (string id, HttpContext http, EmulatorRuntime runtime) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var outcome = runtime.Background<(int Status, string? Error)>(tx =>
            {
                if (tx.S.Invoices.GetValueOrDefault(id) is not { Status: "open" } invoice)
                {
                    return (StatusCodes.Status200OK, null);
                }

                var now = tx.NowForCustomer(invoice.Customer);
                var (entry, error) = CardForm.Read(form, now);
                if (entry is null)
                {
                    return (StatusCodes.Status400BadRequest, error);
                }

                if (entry.Card.Behavior == CardBehavior.DeclinedOnAttach)
                {
                    return (StatusCodes.Status402PaymentRequired, "Your card was declined.");
                }

                var card = PaymentMethods.Create(tx, entry.Card, entry.ExpMonth, entry.ExpYear, entry.Name, now);
                return InvoiceFlow.Collect(tx, invoice, now, PaymentAttempt.Manual, card)
                    ? (StatusCodes.Status200OK, null)
                    : (StatusCodes.Status402PaymentRequired, "Your card was declined.");
            });
            if (outcome.Error is null)
            {
                return HostedPage.SeeOther($"/invoices/{Uri.EscapeDataString(id)}");
            }

            return Load(runtime, id) is { } view
                ? HostedPage.Html($"Invoice {view.Number ?? view.Id}", Html(view, outcome.Error, CardForm.Values(form)), outcome.Status)
                : HostedPage.NotFound("There is no such invoice.");
        });
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
            invoice.Lines.Select(l => new InvoiceLineView(l.Description, l.Quantity, l.Amount)).ToList(), invoice.Total, invoice.AmountPaid, invoice.DueDate);
    });

    public static string Money(long cents, string currency) =>
        $"{(cents < 0 ? "-" : "")}{Math.Abs(cents) / 100m:0.00} {currency.ToUpperInvariant()}".Replace(',', '.');

    public static string Date(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Html(InvoiceView view, string? error = null, CardFormValues? values = null)
    {
        var rows = new StringBuilder();
        foreach (var line in view.Lines)
        {
            rows.Append(CultureInfo.InvariantCulture, $"<tr><td>{HostedPage.E(line.Description)}</td><td class=\"num\">{line.Quantity}</td><td class=\"num\">{Money(line.Amount, view.Currency)}</td></tr>");
        }

        var due = view.DueDate is { } date ? $" Due {Date(date)}." : "";
        var pay = view.Status == "open"
            ? $"<h2>Pay {Money(Math.Max(view.Total - view.AmountPaid, 0), view.Currency)}</h2>{CardForm.Html($"/invoices/{Uri.EscapeDataString(view.Id)}/pay", "Pay invoice", error, values)}"
            : "";
        return $"""
            <h1>Invoice {HostedPage.E(view.Number ?? view.Id)}</h1>
            <p>Billed to {HostedPage.E(view.Customer)} for {Date(view.PeriodStart)} to {Date(view.PeriodEnd)}. Status: {view.Status}.{due}</p>
            <table><thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Amount</th></tr></thead><tbody>{rows}</tbody></table>
            <p>Total: {Money(view.Total, view.Currency)}. Paid: {Money(view.AmountPaid, view.Currency)}.</p>
            {pay}
            """;
    }
}

public sealed record InvoiceLineView(string Description, decimal Quantity, long Amount);

public sealed record InvoiceView(string Id, string? Number, string Status, string Customer, long PeriodStart, long PeriodEnd,
    string Currency, IReadOnlyList<InvoiceLineView> Lines, long Total, long AmountPaid, long? DueDate = null);
