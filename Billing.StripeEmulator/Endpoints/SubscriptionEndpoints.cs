using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/subscriptions</c>.</summary>
public static class SubscriptionEndpoints
{
    /// <summary>Maps subscriptions.</summary>
    public static void MapSubscriptions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/subscriptions");
        group.MapStripePost("", Create);
        group.MapStripeGet("", List);
        group.MapStripeGet("/{id}", (tx, call) => SubscriptionJson.Subscription(tx.S, tx.S.Subscriptions.Find(call.Id, "subscription")));
        group.MapStripePost("/{id}", Update);
        group.MapStripeDelete("/{id}", (tx, call) =>
        {
            var sub = Open(tx, call.Id);
            BillingEngine.Cancel(tx, sub, call.Form.Bool("invoice_now") ?? false);
            return SubscriptionJson.Subscription(tx.S, sub);
        });
    }

    /// <summary>A subscription that has not ended.</summary>
    public static SubscriptionRecord Open(Tx tx, string id, string param = "id")
    {
        var sub = tx.S.Subscriptions.Find(id, "subscription", param);
        return sub.Status == "canceled"
            ? throw StripeError.Invalid("A canceled subscription can only update its cancellation_details and metadata.", param)
            : sub;
    }

    public static string ProrationBehavior(FormTree form)
    {
        var behavior = form.Str("proration_behavior") ?? "create_prorations";
        return behavior is "create_prorations" or "none" or "always_invoice"
            ? behavior
            : throw StripeError.InvalidParam("proration_behavior", "Invalid proration_behavior: must be one of always_invoice, create_prorations, or none");
    }

    /// <summary>Checks a price can join the subscription: recurring, and on the same interval as the others.</summary>
    public static PriceRecord UsablePrice(Tx tx, SubscriptionRecord sub, string priceId, string param)
    {
        var price = tx.S.Prices.Find(priceId, "price", param);
        if (price.Interval is null)
        {
            throw StripeError.InvalidParam(param, "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.");
        }

        var others = sub.Items.Select(i => tx.S.Prices[i.Price]).Where(p => p.Id != price.Id).ToList();
        if (others.Any(p => p.Interval != price.Interval || p.IntervalCount != price.IntervalCount))
        {
            throw StripeError.InvalidParam(param, "Currency and interval fields must match across all plans on this subscription.");
        }

        return price;
    }

    private static JsonNode Create(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var customer = CustomerEndpoints.Live(tx, form.Required("customer"), "customer");
        var now = tx.NowForCustomer(customer.Id);
        var sub = new SubscriptionRecord
        {
            Id = Ids.New("sub_"),
            Created = now,
            Customer = customer.Id,
            Description = form.Str("description"),
            CancelAtPeriodEnd = form.Bool("cancel_at_period_end") ?? false,
        };
        sub.ApplyMetadata(form);
        var items = form.List("items");
        if (items.Count == 0)
        {
            throw StripeError.MissingParam("items");
        }

        for (var i = 0; i < items.Count; i++)
        {
            var param = $"items[{i}][price]";
            var price = UsablePrice(tx, sub, items[i].Str("price") ?? throw StripeError.MissingParam(param), param);
            var item = new SubscriptionItemRecord
            {
                Id = Ids.New("si_", 14),
                Created = now,
                Price = price.Id,
                Quantity = items[i].Long("quantity") ?? 1,
            };
            item.ApplyMetadata(items[i]);
            sub.Items.Add(item);
        }

        sub.Currency = tx.S.Prices[sub.Items[0].Price].Currency;
        tx.S.Add(tx.S.Subscriptions, sub);
        var anchor = form.Long("billing_cycle_anchor");
        if (anchor is { } a && a < now)
        {
            throw StripeError.InvalidParam("billing_cycle_anchor", "billing_cycle_anchor cannot be in the past.");
        }

        BillingEngine.Start(tx, sub, now, anchor);
        if (sub.CancelAtPeriodEnd)
        {
            sub.CancelAt = sub.CurrentPeriodEnd;
        }

        return SubscriptionJson.Subscription(tx.S, sub);
    }

    private static JsonNode List(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var status = form.Str("status");
        var matches = tx.S.Subscriptions.Values.Where(s =>
            (form.Str("customer") is not { } customer || s.Customer == customer) &&
            (form.Str("price") is not { } price || s.Items.Any(i => i.Price == price)) &&
            (form.Str("test_clock") is not { } clock || tx.S.Customers[s.Customer].TestClock == clock) &&
            (status switch
            {
                null => s.Status != "canceled",
                "all" => true,
                _ => s.Status == status,
            }));
        return StripeList.Page(EmulatorState.NewestFirst(matches), s => s.Id, s => SubscriptionJson.Subscription(tx.S, s), form, "/v1/subscriptions");
    }

    private static JsonNode Update(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var sub = tx.S.Subscriptions.Find(call.Id, "subscription");
        var before = SubscriptionJson.Subscription(tx.S, sub);
        sub.ApplyMetadata(form);
        if (sub.Status == "canceled")
        {
            if (form.Has("items") || form.Has("cancel_at_period_end"))
            {
                throw StripeError.Invalid("A canceled subscription can only update its cancellation_details and metadata.");
            }
        }
        else
        {
            ApplyChanges(tx, sub, form);
        }

        var after = SubscriptionJson.Subscription(tx.S, sub);
        tx.Publish("customer.subscription.updated", after, tx.NowForCustomer(sub.Customer), Diff.Previous(before, after));
        return SubscriptionJson.Subscription(tx.S, sub);
    }

    private static void ApplyChanges(Tx tx, SubscriptionRecord sub, FormTree form)
    {
        var behavior = ProrationBehavior(form);
        sub.Description = form.Text("description", sub.Description);
        if (form.Bool("cancel_at_period_end") is { } cancel)
        {
            sub.CancelAtPeriodEnd = cancel;
            sub.CancelAt = cancel ? sub.CurrentPeriodEnd : null;
            sub.CanceledAt = cancel ? tx.NowForCustomer(sub.Customer) : null;
        }

        var items = form.List("items");
        for (var i = 0; i < items.Count; i++)
        {
            var node = items[i];
            var itemId = node.Str("id");
            var newPrice = node.Str("price");
            if (itemId is null)
            {
                var param = $"items[{i}][price]";
                SubscriptionItemEndpoints.AddItem(tx, sub, newPrice ?? throw StripeError.MissingParam(param), node.Long("quantity") ?? 1, node, behavior, param);
                continue;
            }

            var item = sub.Items.FirstOrDefault(x => x.Id == itemId) ?? throw StripeError.NotFound("subscription_item", itemId, $"items[{i}][id]");
            if (node.Bool("deleted") == true)
            {
                SubscriptionItemEndpoints.RemoveItem(tx, sub, item, behavior);
            }
            else
            {
                SubscriptionItemEndpoints.ChangeItem(tx, sub, item, newPrice, node.Long("quantity"), node, behavior, $"items[{i}][price]");
            }
        }

        if (behavior == "always_invoice")
        {
            BillingEngine.InvoicePending(tx, sub);
        }
    }
}
