using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/subscriptions</c>: create, retrieve, update (items, prorations, cancel at period end), list, cancel.</summary>
public static class SubscriptionsEndpoints
{
    private static readonly string[] ProrationBehaviors = ["create_prorations", "none", "always_invoice"];

    /// <summary>Maps the subscription endpoints.</summary>
    public static void MapSubscriptions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/subscriptions");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var customer = CustomersEndpoints.Find(tx, f.Required("customer"), "customer");
            BillingEngine.AdvanceClock(tx, customer.TestClock);
            var now = tx.NowFor(customer.TestClock);
            var items = f.List("items");
            if (items.Count == 0)
            {
                throw StripeError.MissingParam("items");
            }

            var sub = new SubscriptionRecord { Id = Ids.New("sub_"), Customer = customer.Id, Created = now, Description = f.Str("description") };
            for (var i = 0; i < items.Count; i++)
            {
                sub.Items.Add(NewItem(tx, items[i], $"items[{i}]", now));
            }

            CheckItems(tx, sub);
            sub.Currency = tx.S.Prices[sub.Items[0].Price].Currency;
            sub.CancelAtPeriodEnd = f.Bool("cancel_at_period_end") ?? false;
            Metadata.Apply(sub.Metadata, f);
            tx.S.Add(tx.S.Subscriptions, sub);
            BillingEngine.Start(tx, sub, now, f.Long("billing_cycle_anchor"), Proration(f));
            return tx.Respond(SubscriptionJson.Subscription(tx.S, sub), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var customer = f.Str("customer");
            var status = f.Str("status");
            var price = f.Str("price");
            var subs = EmulatorState.NewestFirst(tx.S.Subscriptions.Values.Where(s =>
                (string.IsNullOrEmpty(customer) || s.Customer == customer)
                && (string.IsNullOrEmpty(price) || s.Items.Any(i => i.Price == price))
                && (status switch
                {
                    null or "" => s.Status != "canceled",
                    "all" => true,
                    _ => s.Status == status,
                })));
            return tx.Respond(StripeList.Page(subs, s => s.Id, s => SubscriptionJson.Subscription(tx.S, s), f, "/v1/subscriptions"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(SubscriptionJson.Subscription(tx.S, Find(tx, id)), req.Expand)));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var sub = Find(tx, id);
            var f = req.Form;
            var now = Catch(tx, sub);
            if (sub.Status == "canceled")
            {
                throw StripeError.Invalid("A canceled subscription can only update its cancellation_details and metadata.");
            }

            var proration = Proration(f);
            var items = f.List("items");
            for (var i = 0; i < items.Count; i++)
            {
                UpdateItem(tx, sub, items[i], $"items[{i}]", now, proration);
            }

            CheckItems(tx, sub);
            if (f.Bool("cancel_at_period_end") is { } atEnd)
            {
                sub.CancelAtPeriodEnd = atEnd;
                sub.CanceledAt = atEnd ? now : null;
            }

            if (f.Has("cancel_at"))
            {
                sub.CancelAt = f.Long("cancel_at");
            }

            if (f.Has("description"))
            {
                sub.Description = f.Str("description");
            }

            Metadata.Apply(sub.Metadata, f);
            Invoicing.PublishSubscriptionUpdated(tx, sub, now);
            if (proration == "always_invoice")
            {
                InvoicePending(tx, sub, now);
            }

            return tx.Respond(SubscriptionJson.Subscription(tx.S, sub), req.Expand);
        }));

        group.MapDelete("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var sub = Find(tx, id);
            Catch(tx, sub);
            if (sub.Status == "canceled")
            {
                throw StripeError.Invalid($"A canceled subscription cannot be canceled again.", "id");
            }

            CancelNow(tx, sub, req.Form.Bool("invoice_now") ?? false);
            return tx.Respond(SubscriptionJson.Subscription(tx.S, sub), req.Expand);
        }));
    }

    public static SubscriptionRecord Find(Tx tx, string id, string param = "id") =>
        tx.S.Subscriptions.GetValueOrDefault(id) ?? throw StripeError.NotFound("subscription", id, param);

    public static void CancelNow(Tx tx, SubscriptionRecord sub, bool invoiceNow) =>
        BillingEngine.Cancel(tx, sub, tx.NowForCustomer(sub.Customer), invoiceNow);

    /// <summary>Brings the subscription up to its clock's present before a change, and returns that present.</summary>
    public static long Catch(Tx tx, SubscriptionRecord sub)
    {
        var now = tx.NowForCustomer(sub.Customer);
        BillingEngine.Advance(tx, sub, now);
        return now;
    }

    public static string Proration(FormTree f)
    {
        var behavior = f.Str("proration_behavior") ?? "create_prorations";
        return ProrationBehaviors.Contains(behavior)
            ? behavior
            : throw StripeError.InvalidParam("proration_behavior", "Invalid proration_behavior: must be one of create_prorations, none, or always_invoice");
    }

    public static SubscriptionItemRecord NewItem(Tx tx, FormTree node, string param, long now)
    {
        var price = PricesEndpoints.Find(tx, node.Str("price") ?? throw StripeError.MissingParam($"{param}[price]"), $"{param}[price]");
        if (price.Interval is null)
        {
            throw StripeError.InvalidParam($"{param}[price]", $"The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.");
        }

        if (price.IsMetered && node.Has("quantity"))
        {
            throw StripeError.InvalidParam($"{param}[quantity]", "Quantity should not be specified where usage_type is `metered`. Remove quantity from the item.");
        }

        var item = new SubscriptionItemRecord { Id = Ids.New("si_", 14), Price = price.Id, Quantity = node.Long("quantity") ?? 1, Created = now, Seq = tx.S.NextSeq++ };
        Metadata.Apply(item.Metadata, node);
        return item;
    }

    /// <summary>Applies one <c>items[i]</c> entry of an update: add, change price or quantity, or delete.</summary>
    public static void UpdateItem(Tx tx, SubscriptionRecord sub, FormTree node, string param, long now, string proration)
    {
        var id = node.Str("id");
        if (string.IsNullOrEmpty(id))
        {
            var added = NewItem(tx, node, param, now);
            sub.Items.Add(added);
            if (proration != "none")
            {
                BillingEngine.Prorate(tx, sub, added.Id, null, 0, tx.S.Prices[added.Price], added.Quantity, now);
            }

            return;
        }

        var item = sub.Items.FirstOrDefault(i => i.Id == id) ?? throw StripeError.NotFound("subscription item", id, $"{param}[id]");
        var oldPrice = tx.S.Prices[item.Price];
        var oldQuantity = item.Quantity;
        if (node.Bool("deleted") == true)
        {
            sub.Items.Remove(item);
            if (proration != "none")
            {
                BillingEngine.Prorate(tx, sub, item.Id, oldPrice, oldQuantity, null, 0, now);
            }

            return;
        }

        if (node.Str("price") is { Length: > 0 } priceId)
        {
            item.Price = PricesEndpoints.Find(tx, priceId, $"{param}[price]").Id;
        }

        item.Quantity = node.Long("quantity") ?? item.Quantity;
        Metadata.Apply(item.Metadata, node);
        var newPrice = tx.S.Prices[item.Price];
        if (proration != "none" && (newPrice.Id != oldPrice.Id || item.Quantity != oldQuantity))
        {
            BillingEngine.Prorate(tx, sub, item.Id, oldPrice, oldQuantity, newPrice, item.Quantity, now);
        }
    }

    public static void CheckItems(Tx tx, SubscriptionRecord sub)
    {
        if (sub.Items.Count == 0)
        {
            throw StripeError.Invalid("A subscription must have at least one active plan.", "items");
        }

        var prices = sub.Items.Select(i => tx.S.Prices[i.Price]).ToList();
        if (prices.Select(p => (p.Interval, p.IntervalCount)).Distinct().Count() > 1)
        {
            throw StripeError.Invalid("Currency and interval fields must match across all plans on this subscription.", "items");
        }

        if (prices.Select(p => p.Currency).Distinct().Count() > 1)
        {
            throw StripeError.Invalid("Currency and interval fields must match across all plans on this subscription.", "items");
        }
    }

    public static void InvoicePending(Tx tx, SubscriptionRecord sub, long now)
    {
        if (!tx.S.InvoiceItems.Values.Any(ii => ii.Subscription == sub.Id && ii.Invoice is null))
        {
            return;
        }

        var invoice = Invoicing.Draft(tx, sub, "subscription_update", [], now, now, now);
        Invoicing.FinalizeAndPay(tx, invoice, now);
    }
}
