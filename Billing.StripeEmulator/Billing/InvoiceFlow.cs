using System.Globalization;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>Which payment attempt this is: it decides what a failure does to the retry schedule.</summary>
public enum PaymentAttempt
{
    /// <summary>The attempt when the invoice is finalized; a failure starts the retry schedule.</summary>
    First,

    /// <summary>A scheduled retry; the last one failing settles the subscription's fate.</summary>
    Retry,

    /// <summary>Asked for (<c>/pay</c>, a hosted page, a card replaced in the portal); the schedule stays as it was.</summary>
    Manual,
}

/// <summary>
/// An invoice's life: drafted with its lines, finalized with a number, then charged to the default payment method and
/// retried on a schedule when that fails, or (<c>send_invoice</c>) left open for the customer until its due date.
/// </summary>
public static class InvoiceFlow
{
    public const long Day = 24 * 3600;

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
            CollectionMethod = sub?.CollectionMethod ?? CollectionMethods.ChargeAutomatically,
        };
        if (invoice.CollectionMethod == CollectionMethods.SendInvoice)
        {
            invoice.DueDate = at + (sub?.DaysUntilDue ?? 0) * Day;
        }

        AttachPendingItems(tx, invoice, sub);
        tx.S.Add(tx.S.Invoices, invoice);
        if (sub is not null)
        {
            sub.LatestInvoice = invoice.Id;
        }

        tx.Publish("invoice.created", Render(tx, invoice), at);
        return invoice;
    }

    /// <summary>
    /// Draft, finalize and collect at once, as Stripe does for a subscription's invoices: nothing to pay closes it,
    /// <c>send_invoice</c> sends it, otherwise the default payment method is charged (unless <paramref name="attempt"/>
    /// is false, or the subscription is <c>unpaid</c>, whose invoices Stripe no longer attempts).
    /// </summary>
    public static InvoiceRecord Bill(Tx tx, SubscriptionRecord sub, string reason, List<InvoiceLineRecord> lines, long periodStart, long periodEnd, long at, bool attempt = true)
    {
        var invoice = Draft(tx, sub, sub.Customer, reason, lines, periodStart, periodEnd, at);
        Complete(tx, sub, invoice, at, attempt);
        return invoice;
    }

    /// <summary>
    /// A renewal's invoice: billed at once, or with <see cref="EmulatorOptions.RenewalDraftSeconds"/> left a draft that
    /// <see cref="BillingEngine"/> finalizes when its time comes.
    /// </summary>
    public static InvoiceRecord BillRenewal(Tx tx, SubscriptionRecord sub, List<InvoiceLineRecord> lines, long periodStart, long periodEnd, long at)
    {
        if (tx.Options.RenewalDraftSeconds <= 0)
        {
            return Bill(tx, sub, "subscription_cycle", lines, periodStart, periodEnd, at);
        }

        var invoice = Draft(tx, sub, sub.Customer, "subscription_cycle", lines, periodStart, periodEnd, at);
        invoice.AutoFinalizeAt = at + tx.Options.RenewalDraftSeconds;
        return invoice;
    }

    /// <summary>Finalizes the draft and collects it as <see cref="Bill"/> does.</summary>
    public static void Complete(Tx tx, SubscriptionRecord sub, InvoiceRecord invoice, long at, bool attempt = true)
    {
        Finalize(tx, invoice, at);
        if (invoice.Total <= 0)
        {
            Settle(tx, invoice, at);
        }
        else if (invoice.CollectionMethod == CollectionMethods.SendInvoice)
        {
            tx.Publish("invoice.sent", Render(tx, invoice), at);
        }
        else if (attempt && sub.Status != "unpaid")
        {
            Collect(tx, invoice, at, PaymentAttempt.First);
        }
    }

    public static void Finalize(Tx tx, InvoiceRecord invoice, long at)
    {
        if (invoice.Status != "draft")
        {
            throw StripeError.Invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.", code: "invoice_not_editable");
        }

        var customer = tx.S.Customers[invoice.Customer];
        invoice.AutoFinalizeAt = null;
        invoice.Number = $"{customer.InvoicePrefix}-{customer.NextInvoiceSequence++.ToString("0000", CultureInfo.InvariantCulture)}";
        invoice.Status = "open";
        invoice.FinalizedAt = at;
        tx.Publish("invoice.finalized", Render(tx, invoice), at);
    }

    /// <summary>
    /// Charges the invoice to <paramref name="method"/>, or to the subscription's or customer's default payment method;
    /// false when there is none or the charge is declined (<c>invoice.payment_failed</c> tells of it).
    /// </summary>
    public static bool Collect(Tx tx, InvoiceRecord invoice, long at, PaymentAttempt attempt, PaymentMethodRecord? method = null)
    {
        if (invoice.Total <= 0)
        {
            Settle(tx, invoice, at);
            return true;
        }

        var customer = tx.S.Customers[invoice.Customer];
        var sub = SubscriptionOf(tx, invoice);
        method ??= PaymentMethods.DefaultFor(tx, customer, sub?.DefaultPaymentMethod);
        invoice.Attempted = true;
        invoice.AttemptCount++;
        if (PaymentMethods.Charges(customer, method))
        {
            Settle(tx, invoice, at);
            return true;
        }

        Fail(tx, invoice, sub, at, attempt);
        return false;
    }

    /// <summary>Marks the invoice paid; a subscription with nothing else left open is active again.</summary>
    public static void Settle(Tx tx, InvoiceRecord invoice, long at)
    {
        invoice.Status = "paid";
        invoice.AmountPaid = Math.Max(invoice.Total, 0);
        invoice.PaidAt = at;
        invoice.NextPaymentAttempt = null;
        tx.Publish("invoice.paid", Render(tx, invoice), at);
        tx.Publish("invoice.payment_succeeded", Render(tx, invoice), at);
        if (SubscriptionOf(tx, invoice) is { Status: "past_due" or "incomplete" or "unpaid" } sub &&
            !tx.S.Invoices.Values.Any(i => i.Subscription == sub.Id && i.Status == "open"))
        {
            SetStatus(tx, sub, "active", at);
        }
    }

    /// <summary>A scheduled retry; one whose subscription has ended is dropped.</summary>
    public static void Retry(Tx tx, InvoiceRecord invoice, long at)
    {
        if (SubscriptionOf(tx, invoice) is { Status: "canceled" or "incomplete_expired" })
        {
            invoice.NextPaymentAttempt = null;
            return;
        }

        Collect(tx, invoice, at, PaymentAttempt.Retry);
    }

    /// <summary>A sent invoice passed its due date unpaid: <c>invoice.overdue</c>, and its subscription is past due.</summary>
    public static void MarkOverdue(Tx tx, InvoiceRecord invoice, long at)
    {
        invoice.Overdue = true;
        tx.Publish("invoice.overdue", Render(tx, invoice), at);
        if (SubscriptionOf(tx, invoice) is { Status: "active" } sub)
        {
            SetStatus(tx, sub, "past_due", at);
        }
    }

    /// <summary>The first invoice went unpaid for 23 hours: the subscription ends as <c>incomplete_expired</c> and the invoice is voided.</summary>
    public static void ExpireIncomplete(Tx tx, SubscriptionRecord sub, long at)
    {
        foreach (var open in tx.S.Invoices.Values.Where(i => i.Subscription == sub.Id && i.Status == "open").OrderBy(i => i.Seq).ToList())
        {
            Void(tx, open, at);
        }

        var before = SubscriptionJson.Subscription(tx.S, sub);
        sub.Status = "incomplete_expired";
        sub.CanceledAt = at;
        sub.EndedAt = at;
        var after = SubscriptionJson.Subscription(tx.S, sub);
        tx.Publish("customer.subscription.updated", after, at, Diff.Previous(before, after));
    }

    public static void Void(Tx tx, InvoiceRecord invoice, long at)
    {
        if (invoice.Status != "open")
        {
            throw StripeError.Invalid("You can only void an open invoice.", code: "invoice_not_editable");
        }

        invoice.Status = "void";
        invoice.VoidedAt = at;
        invoice.NextPaymentAttempt = null;
        tx.Publish("invoice.voided", Render(tx, invoice), at);
    }

    public static void SetStatus(Tx tx, SubscriptionRecord sub, string status, long at)
    {
        var previous = sub.Status;
        sub.Status = status;
        tx.Publish("customer.subscription.updated", SubscriptionJson.Subscription(tx.S, sub), at, new JsonObject { ["status"] = previous });
    }

    private static void Fail(Tx tx, InvoiceRecord invoice, SubscriptionRecord? sub, long at, PaymentAttempt attempt)
    {
        if (attempt == PaymentAttempt.First)
        {
            invoice.FirstFailedAt = at;
        }

        if (attempt != PaymentAttempt.Manual)
        {
            invoice.NextPaymentAttempt = NextAttempt(tx, invoice, sub, at);
        }

        tx.Publish("invoice.payment_failed", Render(tx, invoice), at);
        if (sub is null)
        {
            return;
        }

        if (sub.Status is "active" or "trialing")
        {
            SetStatus(tx, sub, "past_due", at);
        }

        if (attempt == PaymentAttempt.Retry && invoice.NextPaymentAttempt is null && sub.Status == "past_due")
        {
            AfterFinalRetry(tx, sub, at);
        }
    }

    /// <summary>
    /// The next retry on the schedule counted from the first failure; none for a first invoice (the subscription is
    /// <c>incomplete</c> and expires instead), nor once the schedule is used up.
    /// </summary>
    private static long? NextAttempt(Tx tx, InvoiceRecord invoice, SubscriptionRecord? sub, long at)
    {
        if (sub?.Status is "incomplete" || invoice.FirstFailedAt is not { } first)
        {
            return null;
        }

        foreach (var days in tx.Options.RetryDays() ?? [])
        {
            if (first + days * Day > at)
            {
                return first + days * Day;
            }
        }

        return null;
    }

    private static void AfterFinalRetry(Tx tx, SubscriptionRecord sub, long at)
    {
        switch (tx.Options.AfterFinalRetry)
        {
            case FinalRetryOutcomes.Unpaid:
                SetStatus(tx, sub, "unpaid", at);
                break;
            case FinalRetryOutcomes.Cancel:
                sub.CancellationReason = "payment_failed";
                BillingEngine.End(tx, sub, at);
                break;
        }
    }

    private static SubscriptionRecord? SubscriptionOf(Tx tx, InvoiceRecord invoice) =>
        invoice.Subscription is null ? null : tx.S.Subscriptions.GetValueOrDefault(invoice.Subscription);

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

    public static JsonObject Render(Tx tx, InvoiceRecord invoice) => InvoiceJson.Invoice(tx.S, invoice, tx.BaseUrl);
}
