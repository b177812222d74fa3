using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/subscription_items</c>, and the item changes subscription updates share.</summary>
public static class SubscriptionItemEndpoints
{
    /// <summary>Maps subscription items.</summary>
    public static void MapSubscriptionItems(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/subscription_items");
        group.MapStripePost("", (tx, call) =>
        {
            var form = call.Form;
            var sub = SubscriptionEndpoints.Open(tx, form.Required("subscription"), "subscription");
            var behavior = SubscriptionEndpoints.ProrationBehavior(form);
            var payment = GuardedPaymentBehavior(tx, sub, form, behavior);
            var before = SubscriptionJson.Subscription(tx.S, sub);
            var item = AddItem(tx, sub, form.Required("price"), form.Long("quantity") ?? 1, form, behavior, "price");
            Finish(tx, sub, before, behavior, payment);
            return SubscriptionJson.Item(tx.S, sub, item);
        });
        group.MapStripeGet("", (tx, call) =>
        {
            var sub = tx.S.Subscriptions.Find(call.Form.Required("subscription"), "subscription", "subscription");
            var items = sub.Items.OrderByDescending(i => i.Seq).ToList();
            return StripeList.Page(items, i => i.Id, i => SubscriptionJson.Item(tx.S, sub, i), call.Form, "/v1/subscription_items");
        });
        group.MapStripeGet("/{id}", (tx, call) =>
        {
            var (sub, item) = Find(tx, call.Id);
            return SubscriptionJson.Item(tx.S, sub, item);
        });
        group.MapStripePost("/{id}", (tx, call) =>
        {
            var (sub, item) = Find(tx, call.Id);
            var form = call.Form;
            var behavior = SubscriptionEndpoints.ProrationBehavior(form);
            var payment = GuardedPaymentBehavior(tx, sub, form, behavior);
            var before = SubscriptionJson.Subscription(tx.S, sub);
            ChangeItem(tx, sub, item, form.Str("price"), form.Long("quantity"), form, behavior, "price");
            Finish(tx, sub, before, behavior, payment);
            return SubscriptionJson.Item(tx.S, sub, item);
        });
        group.MapStripeDelete("/{id}", (tx, call) =>
        {
            var (sub, item) = Find(tx, call.Id);
            var behavior = SubscriptionEndpoints.ProrationBehavior(call.Form);
            var payment = GuardedPaymentBehavior(tx, sub, call.Form, behavior);
            var before = SubscriptionJson.Subscription(tx.S, sub);
            RemoveItem(tx, sub, item, behavior);
            Finish(tx, sub, before, behavior, payment);
            return CatalogJson.Deleted(item.Id, "subscription_item");
        });
    }

    public static SubscriptionItemRecord AddItem(Tx tx, SubscriptionRecord sub, string priceId, long quantity, FormTree node, string behavior, string param)
    {
        var price = Subscribing.UsablePrice(tx, sub, priceId, param);
        if (sub.Items.Any(i => i.Price == price.Id))
        {
            throw StripeError.InvalidParam(param, "Cannot add multiple subscription items with the same price.");
        }

        var item = new SubscriptionItemRecord
        {
            Id = Ids.New("si_", 14),
            Created = tx.NowForCustomer(sub.Customer),
            Price = price.Id,
            Quantity = quantity,
            Seq = tx.S.NextSeq++,
        };
        item.ApplyMetadata(node);
        sub.Items.Add(item);
        BillingEngine.Prorate(tx, sub, item, null, 0, price.Id, quantity, behavior);
        return item;
    }

    public static void ChangeItem(Tx tx, SubscriptionRecord sub, SubscriptionItemRecord item, string? newPrice, long? newQuantity, FormTree node, string behavior, string param)
    {
        var oldPrice = item.Price;
        var oldQuantity = item.Quantity;
        if (newPrice is not null && newPrice != oldPrice)
        {
            item.Price = Subscribing.UsablePrice(tx, sub, newPrice, param).Id;
        }

        item.Quantity = newQuantity ?? item.Quantity;
        item.ApplyMetadata(node);
        if (item.Price != oldPrice || item.Quantity != oldQuantity)
        {
            BillingEngine.Prorate(tx, sub, item, oldPrice, oldQuantity, item.Price, item.Quantity, behavior);
        }
    }

    public static void RemoveItem(Tx tx, SubscriptionRecord sub, SubscriptionItemRecord item, string behavior)
    {
        if (sub.Items.Count == 1)
        {
            throw StripeError.Invalid("A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.");
        }

        BillingEngine.Prorate(tx, sub, item, item.Price, item.Quantity, null, 0, behavior);
        sub.Items.Remove(item);
    }

    private static void Finish(Tx tx, SubscriptionRecord sub, JsonObject before, string behavior, string paymentBehavior)
    {
        if (behavior == "always_invoice")
        {
            BillingEngine.InvoicePending(tx, sub, paymentBehavior);
        }

        var after = SubscriptionJson.Subscription(tx.S, sub);
        tx.Publish("customer.subscription.updated", after, tx.NowForCustomer(sub.Customer), Diff.Previous(before, after));
    }

    /// <summary>The request's <c>payment_behavior</c>, refused up front when it is <c>error_if_incomplete</c> and an invoice now could not be paid.</summary>
    private static string GuardedPaymentBehavior(Tx tx, SubscriptionRecord sub, FormTree form, string prorationBehavior)
    {
        var payment = PaymentBehaviors.Of(form);
        PaymentBehaviors.Guard(tx, payment, tx.S.Customers[sub.Customer], sub.CollectionMethod, sub.DefaultPaymentMethod, prorationBehavior == "always_invoice");
        return payment;
    }

    private static (SubscriptionRecord Sub, SubscriptionItemRecord Item) Find(Tx tx, string id)
    {
        var sub = tx.S.FindSubscriptionOfItem(id) ?? throw StripeError.NotFound("subscription_item", id);
        return (sub, sub.Items.First(i => i.Id == id));
    }
}
