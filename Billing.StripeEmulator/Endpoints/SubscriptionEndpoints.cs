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

    /// <summary><c>collection_method</c> and <c>days_until_due</c> as sent, or as they were; <c>send_invoice</c> needs a number of days.</summary>
    public static (string Method, long? DaysUntilDue) Collection(FormTree form, string currentMethod, long? currentDays)
    {
        var method = form.Str("collection_method") ?? currentMethod;
        if (method is not (CollectionMethods.ChargeAutomatically or CollectionMethods.SendInvoice))
        {
            throw StripeError.InvalidParam("collection_method", "Invalid collection_method: must be one of charge_automatically or send_invoice");
        }

        if (method == CollectionMethods.ChargeAutomatically)
        {
            return form.Has("days_until_due") && form.Str("days_until_due") is { Length: > 0 }
                ? throw StripeError.InvalidParam("days_until_due", "days_until_due can only be set when collection_method is send_invoice.")
                : (method, null);
        }

        var days = form.Long("days_until_due") ?? currentDays ?? throw StripeError.MissingParam("days_until_due");
        return days is >= 0 and <= 730 ? (method, days) : throw StripeError.InvalidParam("days_until_due", "days_until_due must be between 0 and 730.");
    }

    private static JsonNode Create(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var customer = CustomerEndpoints.Live(tx, form.Required("customer"), "customer");
        var (collection, days) = Collection(form, CollectionMethods.ChargeAutomatically, null);
        var items = form.List("items").Select((node, i) => new NewItem(
            node.Str("price") ?? throw StripeError.MissingParam($"items[{i}][price]"),
            node.Long("quantity") ?? 1,
            node.Map("metadata"),
            $"items[{i}][price]")).ToList();
        var sub = Subscribing.Create(tx, customer, items, new SubscriptionTerms(
            PaymentBehaviors.Of(form),
            collection,
            days,
            form.Str("default_payment_method") is { Length: > 0 } method ? PaymentMethods.OwnedBy(tx, method, customer, "default_payment_method") : null,
            form.Bool("cancel_at_period_end") ?? false,
            form.Long("billing_cycle_anchor"),
            form.Str("description"),
            form.Map("metadata").Where(pair => pair.Value.Length > 0).ToDictionary(StringComparer.Ordinal)));
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

        sub.ApplyMetadata(form);
        var after = SubscriptionJson.Subscription(tx.S, sub);
        tx.Publish("customer.subscription.updated", after, tx.NowForCustomer(sub.Customer), Diff.Previous(before, after));
        return SubscriptionJson.Subscription(tx.S, sub);
    }

    private static void ApplyChanges(Tx tx, SubscriptionRecord sub, FormTree form)
    {
        var behavior = ProrationBehavior(form);
        var paymentBehavior = PaymentBehaviors.Of(form);
        var customer = tx.S.Customers[sub.Customer];
        var (collection, days) = Collection(form, sub.CollectionMethod, sub.DaysUntilDue);
        var defaultMethod = !form.Has("default_payment_method") ? sub.DefaultPaymentMethod
            : form.Str("default_payment_method") is { Length: > 0 } method ? PaymentMethods.OwnedBy(tx, method, customer, "default_payment_method")
            : null;
        PaymentBehaviors.Guard(tx, paymentBehavior, customer, collection, defaultMethod, behavior == "always_invoice");
        (sub.CollectionMethod, sub.DaysUntilDue, sub.DefaultPaymentMethod) = (collection, days, defaultMethod);
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
            BillingEngine.InvoicePending(tx, sub, paymentBehavior);
        }
    }
}
