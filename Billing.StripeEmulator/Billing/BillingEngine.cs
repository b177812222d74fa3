using System.Globalization;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>
/// Subscription billing: the first invoice at creation, and at each period end (on the customer's clock) an invoice
/// with the ended period's metered usage, pending prorations and the next period's licensed fees.
/// </summary>
public static class BillingEngine
{
    /// <summary>Stripe's default notice for upcoming renewals.</summary>
    public const long UpcomingNoticeSeconds = 7 * 24 * 3600;

    /// <summary>How long a subscription whose first invoice is unpaid stays <c>incomplete</c> before it expires.</summary>
    public const long IncompleteWindowSeconds = 23 * 3600;

    /// <summary>Whether something is due: a period to close, a renewal to announce, a retry, an expiry, a due date.</summary>
    public static bool HasWork(EmulatorState state, EmulatorClock clock) => Due(state, clock).Any();

    /// <summary>
    /// Does everything that came due on each customer's clock, as many times as it came due, in time order: renewal
    /// notices a week ahead, period closes, payment retries, sent invoices passing their due date, incomplete
    /// subscriptions expiring, and Checkout Sessions expiring.
    /// </summary>
    public static void CatchUp(Tx tx)
    {
        while (Due(tx.S, tx.Clock).MinBy(work => (work.At, work.Seq)) is { } next)
        {
            next.Run(tx);
        }
    }

    private sealed record DueWork(long At, long Seq, Action<Tx> Run);

    private static IEnumerable<DueWork> Due(EmulatorState state, EmulatorClock clock)
    {
        foreach (var sub in state.Subscriptions.Values)
        {
            var now = clock.NowForCustomer(state, sub.Customer);
            if (NeedsNotice(sub, now))
            {
                yield return new DueWork(sub.CurrentPeriodEnd - UpcomingNoticeSeconds, sub.Seq, tx => AnnounceRenewal(tx, sub));
            }
            else if (NeedsClose(sub, now))
            {
                yield return new DueWork(sub.CurrentPeriodEnd, sub.Seq, tx => ClosePeriod(tx, sub));
            }

            var expiresAt = sub.Created + IncompleteWindowSeconds;
            if (sub.Status == "incomplete" && now >= expiresAt)
            {
                yield return new DueWork(expiresAt, sub.Seq, tx => InvoiceFlow.ExpireIncomplete(tx, sub, expiresAt));
            }
        }

        foreach (var invoice in state.Invoices.Values.Where(i => i.Status == "open"))
        {
            var now = clock.NowForCustomer(state, invoice.Customer);
            if (invoice.NextPaymentAttempt is { } retryAt && retryAt <= now)
            {
                yield return new DueWork(retryAt, invoice.Seq, tx => InvoiceFlow.Retry(tx, invoice, retryAt));
            }

            if (invoice.DueDate is { } dueAt && !invoice.Overdue && dueAt <= now)
            {
                yield return new DueWork(dueAt, invoice.Seq, tx => InvoiceFlow.MarkOverdue(tx, invoice, dueAt));
            }
        }

        foreach (var invoice in state.Invoices.Values.Where(i => i.Status == "draft" && i.AutoFinalizeAt is not null))
        {
            if (invoice.AutoFinalizeAt is { } finalizeAt && finalizeAt <= clock.NowForCustomer(state, invoice.Customer))
            {
                yield return new DueWork(finalizeAt, invoice.Seq, tx => FinalizeRenewal(tx, invoice, finalizeAt));
            }
        }

        foreach (var session in state.CheckoutSessions.Values.Where(s => s.Status == "open"))
        {
            if (session.ExpiresAt <= clock.NowFor(state, session.TestClock))
            {
                yield return new DueWork(session.ExpiresAt, session.Seq, tx => Checkout.Expire(tx, session, session.ExpiresAt));
            }
        }
    }

    /// <summary>Unpaid subscriptions go on renewing: their invoices are finalized, just not charged.</summary>
    private static bool IsBilling(SubscriptionRecord sub) => sub.Status is "active" or "past_due" or "trialing" or "unpaid";

    private static bool NeedsClose(SubscriptionRecord sub, long now) => IsBilling(sub) && now >= sub.CurrentPeriodEnd;

    private static bool NeedsNotice(SubscriptionRecord sub, long now) =>
        IsBilling(sub) && !sub.CancelAtPeriodEnd && sub.UpcomingNoticeFor != sub.CurrentPeriodEnd &&
        now >= sub.CurrentPeriodEnd - UpcomingNoticeSeconds && sub.CurrentPeriodEnd - sub.CurrentPeriodStart > UpcomingNoticeSeconds;

    private static void AnnounceRenewal(Tx tx, SubscriptionRecord sub)
    {
        sub.UpcomingNoticeFor = sub.CurrentPeriodEnd;
        var upcoming = InvoiceJson.Invoice(tx.S, Preview(tx, sub), tx.BaseUrl, preview: true);
        tx.Publish("invoice.upcoming", upcoming, sub.CurrentPeriodEnd - UpcomingNoticeSeconds);
    }

    /// <summary>
    /// Sets the first period and bills it; with a future anchor the first period is prorated up to it. The status is known
    /// before <c>customer.subscription.created</c> is sent: <c>incomplete</c> when the first invoice needs a payment that
    /// cannot be made (or, with <c>default_incomplete</c>, one that waits to be confirmed), <c>active</c> otherwise.
    /// </summary>
    public static void Start(Tx tx, SubscriptionRecord sub, long now, long? anchor, string paymentBehavior)
    {
        var (interval, count) = Periods.Of(tx.S, sub);
        sub.StartDate = now;
        sub.CurrentPeriodStart = now;
        if (anchor is { } a && a > now)
        {
            sub.BillingCycleAnchor = a;
            sub.PeriodsFromAnchor = 0;
            sub.CurrentPeriodEnd = a;
        }
        else
        {
            sub.BillingCycleAnchor = now;
            sub.PeriodsFromAnchor = 1;
            sub.CurrentPeriodEnd = Periods.Add(now, interval, count);
        }

        var fullStart = Periods.Add(sub.CurrentPeriodEnd, interval, -count);
        var lines = sub.Items.Select(item => LicensedLine(tx.S, sub, item, sub.CurrentPeriodStart, sub.CurrentPeriodEnd, fullStart))
            .OfType<InvoiceLineRecord>().ToList();
        var confirmLater = paymentBehavior == PaymentBehaviors.DefaultIncomplete;
        var customer = tx.S.Customers[sub.Customer];
        var paysNow = lines.Sum(l => l.Amount) <= 0 || sub.CollectionMethod == CollectionMethods.SendInvoice ||
                      (!confirmLater && PaymentMethods.Charges(customer, PaymentMethods.DefaultFor(tx, customer, sub.DefaultPaymentMethod)));
        sub.Status = paysNow ? "active" : "incomplete";
        tx.Publish("customer.subscription.created", SubscriptionJson.Subscription(tx.S, sub), now);
        InvoiceFlow.Bill(tx, sub, "subscription_create", lines, now, now, now, attempt: !confirmLater);
    }

    public static void ClosePeriod(Tx tx, SubscriptionRecord sub)
    {
        var usageStart = sub.CurrentPeriodStart;
        var usageEnd = sub.CurrentPeriodEnd;
        var at = usageEnd;
        if (sub.CancelAtPeriodEnd)
        {
            var finalLines = MeteredLines(tx.S, sub, usageStart, usageEnd);
            if (finalLines.Count > 0 || HasPendingItems(tx.S, sub))
            {
                InvoiceFlow.BillRenewal(tx, sub, finalLines, usageStart, usageEnd, at);
            }

            End(tx, sub, at);
            return;
        }

        var before = SubscriptionJson.Subscription(tx.S, sub);
        sub.PeriodsFromAnchor++;
        sub.CurrentPeriodStart = usageEnd;
        sub.CurrentPeriodEnd = Periods.End(tx.S, sub, sub.PeriodsFromAnchor);
        var after = SubscriptionJson.Subscription(tx.S, sub);
        tx.Publish("customer.subscription.updated", after, at, Diff.Previous(before, after));
        var lines = CycleLines(tx.S, sub, usageStart, usageEnd);
        InvoiceFlow.BillRenewal(tx, sub, lines, usageStart, usageEnd, at);
    }

    /// <summary>
    /// A renewal's draft whose time has come: its metered lines are priced again with the usage the meters hold now for
    /// their periods (usage that arrived late, stamped inside the period, counts, as with Stripe), then it is finalized
    /// and collected.
    /// </summary>
    private static void FinalizeRenewal(Tx tx, InvoiceRecord invoice, long at)
    {
        foreach (var line in invoice.Lines.Where(l => l.InvoiceItem is null && l.Price is not null))
        {
            if (tx.S.Prices[line.Price!] is { IsMetered: true, Meter: { } meterId } price && tx.S.Meters.TryGetValue(meterId, out var meter))
            {
                PriceUsage(tx.S, line, price, meter, invoice.Customer);
            }
        }

        InvoiceFlow.Complete(tx, tx.S.Subscriptions[invoice.Subscription!], invoice, at);
    }

    /// <summary>Cancels now: the subscription ends and, when asked, the usage so far is invoiced.</summary>
    public static void Cancel(Tx tx, SubscriptionRecord sub, bool invoiceNow)
    {
        var now = tx.NowForCustomer(sub.Customer);
        if (invoiceNow)
        {
            var lines = MeteredLines(tx.S, sub, sub.CurrentPeriodStart, now);
            InvoiceFlow.Bill(tx, sub, "subscription_cycle", lines, sub.CurrentPeriodStart, now, now);
        }

        End(tx, sub, now);
    }

    /// <summary>The invoice the current period's end would produce, not stored.</summary>
    public static InvoiceRecord Preview(Tx tx, SubscriptionRecord sub)
    {
        var lines = sub.CancelAtPeriodEnd
            ? MeteredLines(tx.S, sub, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
            : CycleLines(tx.S, sub, sub.CurrentPeriodStart, sub.CurrentPeriodEnd);
        var id = "upcoming_" + Ids.New("in_");
        lines.AddRange(tx.S.InvoiceItems.Values
            .Where(ii => ii.Invoice is null && ii.Subscription == sub.Id)
            .OrderBy(ii => ii.Seq)
            .Select(InvoiceFlow.LineOf));
        var customer = tx.S.Customers[sub.Customer];
        return new InvoiceRecord
        {
            Id = id,
            Created = tx.NowForCustomer(sub.Customer),
            Customer = sub.Customer,
            Subscription = sub.Id,
            BillingReason = "upcoming",
            PeriodStart = sub.CurrentPeriodStart,
            PeriodEnd = sub.CurrentPeriodEnd,
            TestClock = customer.TestClock,
            Lines = lines,
        };
    }

    /// <summary>
    /// Credits the unused time of the old licensed price and charges the remaining time of the new one, to the second,
    /// as pending invoice items (<c>always_invoice</c> callers then invoice them with <see cref="InvoicePending"/>).
    /// </summary>
    public static void Prorate(Tx tx, SubscriptionRecord sub, SubscriptionItemRecord item, string? oldPrice, long oldQuantity, string? newPrice, long newQuantity, string behavior)
    {
        if (behavior == "none")
        {
            return;
        }

        var now = tx.NowForCustomer(sub.Customer);
        var total = sub.CurrentPeriodEnd - sub.CurrentPeriodStart;
        var remaining = sub.CurrentPeriodEnd - now;
        if (total <= 0 || remaining <= 0)
        {
            return;
        }

        var fraction = (decimal)remaining / total;
        var date = DateTimeOffset.FromUnixTimeSeconds(now).ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        if (oldPrice is not null && tx.S.Prices[oldPrice] is { IsMetered: false } old && oldQuantity > 0)
        {
            AddProration(tx, sub, item, old, oldQuantity, -Pricing.Round(Pricing.ExactAmount(old, oldQuantity) * fraction),
                $"Unused time on {Describe(tx.S, old, oldQuantity)} after {date}", now);
        }

        if (newPrice is not null && tx.S.Prices[newPrice] is { IsMetered: false } next && newQuantity > 0)
        {
            AddProration(tx, sub, item, next, newQuantity, Pricing.Round(Pricing.ExactAmount(next, newQuantity) * fraction),
                $"Remaining time on {Describe(tx.S, next, newQuantity)} after {date}", now);
        }
    }

    /// <summary>
    /// Invoices the subscription's pending prorations now, as <c>proration_behavior=always_invoice</c> does; with
    /// <c>default_incomplete</c> the invoice waits to be paid and the subscription is past due meanwhile.
    /// </summary>
    public static void InvoicePending(Tx tx, SubscriptionRecord sub, string paymentBehavior)
    {
        if (!HasPendingItems(tx.S, sub))
        {
            return;
        }

        var now = tx.NowForCustomer(sub.Customer);
        var confirmLater = paymentBehavior == PaymentBehaviors.DefaultIncomplete;
        var invoice = InvoiceFlow.Bill(tx, sub, "subscription_update", [], now, now, now, attempt: !confirmLater);
        if (confirmLater && invoice.Status == "open" && sub.Status == "active" && sub.CollectionMethod == CollectionMethods.ChargeAutomatically)
        {
            InvoiceFlow.SetStatus(tx, sub, "past_due", now);
        }
    }

    public static void End(Tx tx, SubscriptionRecord sub, long at)
    {
        sub.Status = "canceled";
        sub.CanceledAt ??= at;
        sub.EndedAt = at;
        tx.Publish("customer.subscription.deleted", SubscriptionJson.Subscription(tx.S, sub), at);
    }

    private static bool HasPendingItems(EmulatorState state, SubscriptionRecord sub) =>
        state.InvoiceItems.Values.Any(ii => ii.Invoice is null && ii.Subscription == sub.Id);

    private static List<InvoiceLineRecord> CycleLines(EmulatorState state, SubscriptionRecord sub, long usageStart, long usageEnd)
    {
        var lines = MeteredLines(state, sub, usageStart, usageEnd);
        var nextEnd = Periods.End(state, sub, sub.PeriodsFromAnchor + (usageEnd == sub.CurrentPeriodEnd ? 1 : 0));
        lines.AddRange(sub.Items.Select(item => LicensedLine(state, sub, item, usageEnd, nextEnd, usageEnd)).OfType<InvoiceLineRecord>());
        return lines;
    }

    private static List<InvoiceLineRecord> MeteredLines(EmulatorState state, SubscriptionRecord sub, long start, long end)
    {
        var lines = new List<InvoiceLineRecord>();
        foreach (var item in sub.Items)
        {
            var price = state.Prices[item.Price];
            if (!price.IsMetered || price.Meter is null || !state.Meters.TryGetValue(price.Meter, out var meter))
            {
                continue;
            }

            lines.Add(PriceUsage(state, new InvoiceLineRecord
            {
                Id = Ids.New("il_"),
                PeriodStart = start,
                PeriodEnd = end,
                Price = price.Id,
                SubscriptionItem = item.Id,
                Subscription = sub.Id,
            }, price, meter, sub.Customer));
        }

        return lines;
    }

    /// <summary>Sets a metered line's quantity, amount and description from the customer's usage over the line's period.</summary>
    private static InvoiceLineRecord PriceUsage(EmulatorState state, InvoiceLineRecord line, PriceRecord price, MeterRecord meter, string customer)
    {
        var quantity = Usage.Aggregate(state, meter, customer, line.PeriodStart, line.PeriodEnd);
        line.Quantity = quantity;
        line.Amount = Pricing.Amount(price, quantity);
        line.Description = $"{ProductName(state, price)} (usage: {Json.Decimal(quantity)})";
        return line;
    }

    /// <summary>The licensed fee for a period; prorated when the period is shorter than a full one ending at its end.</summary>
    private static InvoiceLineRecord? LicensedLine(EmulatorState state, SubscriptionRecord sub, SubscriptionItemRecord item, long start, long end, long fullStart)
    {
        var price = state.Prices[item.Price];
        if (price.IsMetered)
        {
            return null;
        }

        var exact = Pricing.ExactAmount(price, item.Quantity);
        var full = end - fullStart;
        var prorated = start > fullStart && full > 0;
        return new InvoiceLineRecord
        {
            Id = Ids.New("il_"),
            Amount = Pricing.Round(prorated ? exact * (end - start) / full : exact),
            Description = prorated ? $"Remaining time on {Describe(state, price, item.Quantity)}" : Describe(state, price, item.Quantity),
            PeriodStart = start,
            PeriodEnd = end,
            Quantity = item.Quantity,
            Price = price.Id,
            SubscriptionItem = item.Id,
            Subscription = sub.Id,
            Proration = prorated,
        };
    }

    private static void AddProration(Tx tx, SubscriptionRecord sub, SubscriptionItemRecord item, PriceRecord price, long quantity, long amount, string description, long now)
    {
        var record = tx.S.Add(tx.S.InvoiceItems, new InvoiceItemRecord
        {
            Id = Ids.New("ii_"),
            Created = now,
            Customer = sub.Customer,
            Subscription = sub.Id,
            SubscriptionItem = item.Id,
            Price = price.Id,
            Amount = amount,
            Currency = price.Currency,
            Description = description,
            PeriodStart = now,
            PeriodEnd = sub.CurrentPeriodEnd,
            Proration = true,
            Quantity = quantity,
            TestClock = tx.S.Customers[sub.Customer].TestClock,
        });
        tx.Publish("invoiceitem.created", InvoiceJson.InvoiceItem(tx.S, record), now);
    }

    private static string ProductName(EmulatorState state, PriceRecord price) =>
        state.Products.TryGetValue(price.Product, out var product) ? product.Name : price.Product;

    private static string Describe(EmulatorState state, PriceRecord price, long quantity)
    {
        var unit = price.UnitAmount is { } amount ? (amount / 100m).ToString("0.00", CultureInfo.InvariantCulture) : "0.00";
        return $"{quantity} × {ProductName(state, price)} (at ${unit} / {price.Interval ?? "one-time"})";
    }
}
