using System.Globalization;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>Creates, finalizes and pays invoices, publishing the events Stripe sends at each step.</summary>
public static class Invoicing
{
    private const long RetryDelaySeconds = 3 * 24 * 3600;

    /// <summary>Drafts an invoice from the given lines plus the subscription's pending invoice items.</summary>
    public static InvoiceRecord Draft(Tx tx, SubscriptionRecord sub, string reason, List<InvoiceLineRecord> lines, long periodStart, long periodEnd, long now)
    {
        var customer = tx.S.Customers[sub.Customer];
        var invoice = new InvoiceRecord
        {
            Id = Ids.New("in_"),
            Customer = sub.Customer,
            Subscription = sub.Id,
            BillingReason = reason,
            Currency = sub.Currency,
            PeriodStart = periodStart,
            PeriodEnd = periodEnd,
            Created = now,
            TestClock = customer.TestClock,
        };
        var pending = tx.S.InvoiceItems.Values.Where(ii => ii.Subscription == sub.Id && ii.Invoice is null).OrderBy(ii => ii.Seq).ToList();
        foreach (var item in pending)
        {
            item.Invoice = invoice.Id;
            invoice.Lines.Add(new InvoiceLineRecord
            {
                Id = Ids.New("il_"),
                Amount = item.Amount,
                Description = item.Description,
                PeriodStart = item.PeriodStart,
                PeriodEnd = item.PeriodEnd,
                Quantity = item.Quantity,
                Price = item.Price,
                Subscription = sub.Id,
                SubscriptionItem = item.SubscriptionItem,
                Proration = item.Proration,
                InvoiceItem = item.Id,
            });
        }

        invoice.Lines.AddRange(lines);
        tx.S.Add(tx.S.Invoices, invoice);
        sub.LatestInvoice = invoice.Id;
        tx.Publish("invoice.created", InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), now);
        return invoice;
    }

    public static void Finalize(Tx tx, InvoiceRecord invoice, long now)
    {
        if (invoice.Status != "draft")
        {
            throw StripeError.Invalid($"This invoice is already finalized, you can't re-finalize a non-draft invoice.");
        }

        var customer = tx.S.Customers[invoice.Customer];
        invoice.Number = string.Create(CultureInfo.InvariantCulture, $"{customer.InvoicePrefix}-{customer.NextInvoiceSequence++:0000}");
        invoice.Status = "open";
        invoice.FinalizedAt = now;
        tx.Publish("invoice.finalized", InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), now);
    }

    /// <summary>Attempts payment; a customer marked to fail gets a card error and the subscription goes past due.</summary>
    public static bool Pay(Tx tx, InvoiceRecord invoice, long now)
    {
        var customer = tx.S.Customers[invoice.Customer];
        var sub = invoice.Subscription is not null ? tx.S.Subscriptions.GetValueOrDefault(invoice.Subscription) : null;
        var total = invoice.Total;
        if (total > 0 && customer.FailPayments)
        {
            invoice.AttemptCount++;
            invoice.Attempted = true;
            invoice.NextPaymentAttempt = now + RetryDelaySeconds;
            tx.Publish("invoice.payment_failed", InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), now);
            if (sub is not null && sub.Status is "active" or "trialing")
            {
                var previous = sub.Status;
                sub.Status = invoice.BillingReason == "subscription_create" ? "incomplete" : "past_due";
                PublishSubscriptionUpdated(tx, sub, now, previous);
            }

            return false;
        }

        invoice.AttemptCount += total > 0 ? 1 : 0;
        invoice.Attempted = true;
        invoice.AmountPaid = Math.Max(total, 0);
        invoice.Status = "paid";
        invoice.PaidAt = now;
        invoice.NextPaymentAttempt = null;
        var json = InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl);
        tx.Publish("invoice.paid", json, now);
        tx.Publish("invoice.payment_succeeded", InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl), now);
        if (sub is not null && sub.Status is "past_due" or "incomplete"
            && !tx.S.Invoices.Values.Any(i => i.Subscription == sub.Id && i.Status == "open" && i.Attempted))
        {
            var previous = sub.Status;
            sub.Status = "active";
            PublishSubscriptionUpdated(tx, sub, now, previous);
        }

        return true;
    }

    public static void FinalizeAndPay(Tx tx, InvoiceRecord invoice, long now)
    {
        Finalize(tx, invoice, now);
        Pay(tx, invoice, now);
    }

    public static void PublishSubscriptionUpdated(Tx tx, SubscriptionRecord sub, long now, string? previousStatus = null)
    {
        var previous = previousStatus is null ? null : new System.Text.Json.Nodes.JsonObject { ["status"] = previousStatus };
        tx.Publish("customer.subscription.updated", SubscriptionJson.Subscription(tx.S, sub), now, previous);
    }
}
