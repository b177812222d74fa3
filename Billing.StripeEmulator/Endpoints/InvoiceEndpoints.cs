using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/invoices</c> (subscription invoices are created by the billing engine) and <c>/v1/invoiceitems</c>.</summary>
public static class InvoiceEndpoints
{
    /// <summary>Maps invoices and invoice items.</summary>
    public static void MapInvoices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/invoices");
        group.MapStripeGet("", List);
        group.MapStripePost("/create_preview", Preview);
        group.MapStripeGet("/{id}", (tx, call) => InvoiceFlow.Render(tx, tx.S.Invoices.Find(call.Id, "invoice")));
        group.MapStripeGet("/{id}/lines", (tx, call) =>
        {
            var invoice = tx.S.Invoices.Find(call.Id, "invoice");
            return StripeList.Page(invoice.Lines, l => l.Id, l => InvoiceJson.Line(tx.S, invoice.Id, l), call.Form, $"/v1/invoices/{invoice.Id}/lines");
        });
        group.MapStripePost("/{id}/finalize", (tx, call) =>
        {
            var invoice = tx.S.Invoices.Find(call.Id, "invoice");
            InvoiceFlow.Finalize(tx, invoice, tx.NowForCustomer(invoice.Customer));
            return InvoiceFlow.Render(tx, invoice);
        });
        group.MapStripePost("/{id}/pay", Pay);
        group.MapStripePost("/{id}/void", (tx, call) =>
        {
            var invoice = tx.S.Invoices.Find(call.Id, "invoice");
            InvoiceFlow.Void(tx, invoice, tx.NowForCustomer(invoice.Customer));
            return InvoiceFlow.Render(tx, invoice);
        });

        app.MapStripeGet("/v1/invoiceitems", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.InvoiceItems.Values.Where(ii =>
                (call.Form.Str("customer") is not { } customer || ii.Customer == customer) &&
                (call.Form.Bool("pending") is not { } pending || (ii.Invoice is null) == pending))),
            ii => ii.Id, ii => InvoiceJson.InvoiceItem(tx.S, ii), call.Form, "/v1/invoiceitems"));
        app.MapStripeGet("/v1/invoiceitems/{id}", (tx, call) => InvoiceJson.InvoiceItem(tx.S, tx.S.InvoiceItems.Find(call.Id, "invoiceitem")));
    }

    /// <summary>
    /// Pays an open invoice now: with <c>payment_method</c>, else the default one; <c>paid_out_of_band</c> marks it paid
    /// without a charge. A decline answers 402 and counts as an attempt; the retry schedule stays as it was.
    /// </summary>
    private static JsonNode Pay(Tx tx, StripeCall call)
    {
        var invoice = tx.S.Invoices.Find(call.Id, "invoice");
        if (invoice.Status != "open")
        {
            throw StripeError.Invalid("Invoice is already paid or cannot be paid.", code: "invoice_not_open");
        }

        var customer = tx.S.Customers[invoice.Customer];
        var now = tx.NowForCustomer(invoice.Customer);
        if (call.Form.Bool("paid_out_of_band") == true)
        {
            InvoiceFlow.Settle(tx, invoice, now);
            return InvoiceFlow.Render(tx, invoice);
        }

        var sub = invoice.Subscription is null ? null : tx.S.Subscriptions.GetValueOrDefault(invoice.Subscription);
        var method = call.Form.Str("payment_method") is { Length: > 0 } id
            ? tx.S.PaymentMethods[PaymentMethods.OwnedBy(tx, id, customer, "payment_method")]
            : PaymentMethods.DefaultFor(tx, customer, sub?.DefaultPaymentMethod);
        if (method is null && invoice.Total > 0)
        {
            throw StripeError.NoPaymentMethod();
        }

        return InvoiceFlow.Collect(tx, invoice, now, PaymentAttempt.Manual, method)
            ? InvoiceFlow.Render(tx, invoice)
            : throw StripeError.CardDeclined();
    }

    private static JsonNode List(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var matches = tx.S.Invoices.Values.Where(i =>
            (form.Str("customer") is not { } customer || i.Customer == customer) &&
            (form.Str("subscription") is not { } sub || i.Subscription == sub) &&
            (form.Str("status") is not { } status || i.Status == status));
        return StripeList.Page(EmulatorState.NewestFirst(matches), i => i.Id, i => InvoiceFlow.Render(tx, i), form, "/v1/invoices");
    }

    private static JsonNode Preview(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var subId = form.Str("subscription");
        var customerId = form.Str("customer");
        var sub = subId is not null
            ? tx.S.Subscriptions.Find(subId, "subscription", "subscription")
            : tx.S.Subscriptions.Values.Where(s => s.Customer == customerId && s.Status != "canceled").OrderByDescending(s => s.Seq).FirstOrDefault();
        if (sub is null)
        {
            throw customerId is null
                ? StripeError.MissingParam("customer")
                : StripeError.Invalid("No upcoming invoices for customer: " + customerId, code: "invoice_upcoming_none");
        }

        if (sub.Status == "canceled")
        {
            throw StripeError.Invalid("No upcoming invoices for a canceled subscription.", "subscription", "invoice_upcoming_none");
        }

        return InvoiceJson.Invoice(tx.S, BillingEngine.Preview(tx, sub), tx.BaseUrl, preview: true);
    }
}
