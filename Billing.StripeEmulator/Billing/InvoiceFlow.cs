using System.Globalization;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>An invoice's life: drafted with its lines, finalized with a number, then paid or failed.</summary>
public static class InvoiceFlow
{
    private const long RetryAfterSeconds = 3 * 24 * 3600;

    private static InvoiceRecord Draft(Tx tx, SubscriptionRecord? sub, string customerId, string reason, List<InvoiceLineRecord> lines, long periodStart, long periodEnd, long at)
    {
        var customer = tx.S.Customers[customerId];
        var invoice = new InvoiceRecord
        {
            Id = Ids.New("in_"),
            Created = at,
            Customer = customerId,
            Subscription = sub?.Id,
            BillingReason = reason,
            PeriodStart = periodStart,
            PeriodEnd = periodEnd,
            TestClock = customer.TestClock,
            Lines = lines,
        };
        AttachPendingItems(tx, invoice, sub);
        tx.S.Add(tx.S.Invoices, invoice);
        if (sub is not null)
        {
            sub.LatestInvoice = invoice.Id;
        }

        tx.Publish("invoice.created", Render(tx, invoice), at);
        return invoice;
    }

    /// <summary>Draft, finalize and attempt payment at once, as Stripe does for a charge_automatically subscription.</summary>
    public static InvoiceRecord Bill(Tx tx, SubscriptionRecord sub, string reason, List<InvoiceLineRecord> lines, long periodStart, long periodEnd, long at)
    {
        var invoice = Draft(tx, sub, sub.Customer, reason, lines, periodStart, periodEnd, at);
        Finalize(tx, invoice, at);
        Pay(tx, invoice, at);
        return invoice;
    }

    public static void Finalize(Tx tx, InvoiceRecord invoice, long at)
    {
        if (invoice.Status != "draft")
        {
            throw StripeError.Invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.", code: "invoice_not_editable");
        }

        var customer = tx.S.Customers[invoice.Customer];
        invoice.Number = $"{customer.InvoicePrefix}-{customer.NextInvoiceSequence++.ToString("0000", CultureInfo.InvariantCulture)}";
        invoice.Status = "open";
        invoice.FinalizedAt = at;
        tx.Publish("invoice.finalized", Render(tx, invoice), at);
    }

    /// <summary>Attempts payment; a customer marked through the control surface fails with a card error.</summary>
    public static bool Pay(Tx tx, InvoiceRecord invoice, long at)
    {
        var customer = tx.S.Customers[invoice.Customer];
        var sub = invoice.Subscription is null ? null : tx.S.Subscriptions.GetValueOrDefault(invoice.Subscription);
        invoice.Attempted = true;
        if (customer.FailPayments && invoice.Total > 0)
        {
            invoice.AttemptCount++;
            invoice.NextPaymentAttempt = at + RetryAfterSeconds;
            tx.Publish("invoice.payment_failed", Render(tx, invoice), at);
            if (sub is not null && sub.Status is "active" or "trialing")
            {
                // Stripe's default payment_behavior leaves a subscription whose first payment fails incomplete.
                SetStatus(tx, sub, invoice.BillingReason == "subscription_create" ? "incomplete" : "past_due", at);
            }

            return false;
        }

        invoice.AttemptCount += invoice.Total > 0 ? 1 : 0;
        invoice.Status = "paid";
        invoice.AmountPaid = Math.Max(invoice.Total, 0);
        invoice.PaidAt = at;
        invoice.NextPaymentAttempt = null;
        tx.Publish("invoice.paid", Render(tx, invoice), at);
        tx.Publish("invoice.payment_succeeded", Render(tx, invoice), at);
        if (sub is not null && sub.Status is "past_due" or "incomplete" &&
            !tx.S.Invoices.Values.Any(i => i.Subscription == sub.Id && i.Status == "open"))
        {
            SetStatus(tx, sub, "active", at);
        }

        return true;
    }

    public static void Void(Tx tx, InvoiceRecord invoice, long at)
    {
        if (invoice.Status != "open")
        {
            throw StripeError.Invalid("You can only void an open invoice.", code: "invoice_not_editable");
        }

        invoice.Status = "void";
        invoice.VoidedAt = at;
        tx.Publish("invoice.voided", Render(tx, invoice), at);
    }

    private static void SetStatus(Tx tx, SubscriptionRecord sub, string status, long at)
    {
        var previous = sub.Status;
        sub.Status = status;
        tx.Publish("customer.subscription.updated", SubscriptionJson.Subscription(tx.S, sub), at,
            new System.Text.Json.Nodes.JsonObject { ["status"] = previous });
    }

    private static void AttachPendingItems(Tx tx, InvoiceRecord invoice, SubscriptionRecord? sub)
    {
        var pending = tx.S.InvoiceItems.Values
            .Where(ii => ii.Invoice is null && ii.Customer == invoice.Customer && (sub is null || ii.Subscription == sub.Id))
            .OrderBy(ii => ii.Seq)
            .ToList();
        foreach (var item in pending)
        {
            item.Invoice = invoice.Id;
            invoice.Lines.Add(LineOf(item));
        }
    }

    public static InvoiceLineRecord LineOf(InvoiceItemRecord item) => new()
    {
        Id = Ids.New("il_"),
        Amount = item.Amount,
        Description = item.Description,
        PeriodStart = item.PeriodStart,
        PeriodEnd = item.PeriodEnd,
        Quantity = item.Quantity,
        Price = item.Price,
        SubscriptionItem = item.SubscriptionItem,
        Subscription = item.Subscription,
        Proration = item.Proration,
        InvoiceItem = item.Id,
    };

    public static System.Text.Json.Nodes.JsonObject Render(Tx tx, InvoiceRecord invoice) => InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl);
}
