using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/invoices</c>: list, retrieve, lines, pay, void, and <c>create_preview</c>.</summary>
public static class InvoicesEndpoints
{
    /// <summary>Maps the invoice endpoints.</summary>
    public static void MapInvoices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/invoices");
        group.MapPost("/create_preview", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var subId = f.Str("subscription");
            var customerId = f.Str("customer");
            SubscriptionRecord sub;
            if (!string.IsNullOrEmpty(subId))
            {
                sub = SubscriptionsEndpoints.Find(tx, subId, "subscription");
            }
            else if (!string.IsNullOrEmpty(customerId))
            {
                CustomersEndpoints.Find(tx, customerId, "customer");
                sub = tx.S.Subscriptions.Values.Where(s => s.Customer == customerId && BillingEngine.IsLive(s)).OrderBy(s => s.Seq).FirstOrDefault()
                    ?? throw StripeError.Invalid("No upcoming invoices for customer: " + customerId, "customer", "invoice_upcoming_none");
            }
            else
            {
                throw StripeError.MissingParam("customer");
            }

            SubscriptionsEndpoints.Catch(tx, sub);
            return tx.Respond(InvoiceJson.Invoice(tx.S, BillingEngine.Preview(tx, sub), tx.BaseUrl, preview: true), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var customer = f.Str("customer");
            var subscription = f.Str("subscription");
            var status = f.Str("status");
            var invoices = EmulatorState.NewestFirst(tx.S.Invoices.Values.Where(i =>
                (string.IsNullOrEmpty(customer) || i.Customer == customer)
                && (string.IsNullOrEmpty(subscription) || i.Subscription == subscription)
                && (string.IsNullOrEmpty(status) || i.Status == status)));
            return tx.Respond(StripeList.Page(invoices, i => i.Id, i => InvoiceJson.Invoice(tx.S, i, tx.BaseUrl), f, "/v1/invoices"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(InvoiceJson.Invoice(tx.S, Find(tx, id), tx.BaseUrl), req.Expand)));

        group.MapGet("/{id}/lines", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var invoice = Find(tx, id);
            var lines = invoice.Lines.ToList();
            return tx.Respond(StripeList.Page(lines, l => l.Id, l => InvoiceJson.Line(tx.S, id, l), req.Form, $"/v1/invoices/{id}/lines"), req.Expand);
        }));

        group.MapPost("/{id}/finalize", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var invoice = Find(tx, id);
            Invoicing.Finalize(tx, invoice, tx.NowForCustomer(invoice.Customer));
            return tx.Respond(InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), req.Expand);
        }));

        group.MapPost("/{id}/pay", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var invoice = Find(tx, id);
            var now = tx.NowForCustomer(invoice.Customer);
            if (invoice.Status == "draft")
            {
                Invoicing.Finalize(tx, invoice, now);
            }

            if (invoice.Status != "open")
            {
                throw StripeError.Invalid("Invoice is already paid", code: "invoice_not_editable");
            }

            if (!Invoicing.Pay(tx, invoice, now))
            {
                throw new StripeError(System.Net.HttpStatusCode.PaymentRequired, "card_error", "Your card was declined.", "card_declined");
            }

            return tx.Respond(InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), req.Expand);
        }));

        group.MapPost("/{id}/void", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var invoice = Find(tx, id);
            if (invoice.Status != "open")
            {
                throw StripeError.Invalid("You can only void open invoices.");
            }

            var now = tx.NowForCustomer(invoice.Customer);
            invoice.Status = "void";
            invoice.VoidedAt = now;
            tx.Publish("invoice.voided", InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), now);
            return tx.Respond(InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), req.Expand);
        }));

        app.MapGet("/v1/invoiceitems", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var customer = req.Form.Str("customer");
            var pending = req.Form.Bool("pending");
            var items = EmulatorState.NewestFirst(tx.S.InvoiceItems.Values.Where(ii =>
                (string.IsNullOrEmpty(customer) || ii.Customer == customer) && (pending is null || (ii.Invoice is null) == pending)));
            return tx.Respond(StripeList.Page(items, ii => ii.Id, ii => InvoiceJson.InvoiceItem(tx.S, ii), req.Form, "/v1/invoiceitems"), req.Expand);
        }));
    }

    public static InvoiceRecord Find(Tx tx, string id) =>
        tx.S.Invoices.GetValueOrDefault(id) ?? throw StripeError.NotFound("invoice", id);
}
