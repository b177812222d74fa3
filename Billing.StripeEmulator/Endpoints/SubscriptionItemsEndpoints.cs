using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/subscription_items</c>: create, retrieve, update, list by subscription, delete.</summary>
public static class SubscriptionItemsEndpoints
{
    /// <summary>Maps the subscription item endpoints.</summary>
    public static void MapSubscriptionItems(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/subscription_items");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var sub = SubscriptionsEndpoints.Find(tx, f.Required("subscription"), "subscription");
            var now = SubscriptionsEndpoints.Catch(tx, sub);
            var proration = SubscriptionsEndpoints.Proration(f);
            var before = sub.Items.Count;
            SubscriptionsEndpoints.UpdateItem(tx, sub, f, "", now, proration);
            SubscriptionsEndpoints.CheckItems(tx, sub);
            Invoicing.PublishSubscriptionUpdated(tx, sub, now);
            if (proration == "always_invoice")
            {
                SubscriptionsEndpoints.InvoicePending(tx, sub, now);
            }

            return tx.Respond(SubscriptionJson.Item(tx.S, sub, sub.Items[before]), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var sub = SubscriptionsEndpoints.Find(tx, req.Form.Required("subscription"), "subscription");
            var items = sub.Items.OrderByDescending(i => i.Seq).ToList();
            return tx.Respond(StripeList.Page(items, i => i.Id, i => SubscriptionJson.Item(tx.S, sub, i), req.Form, "/v1/subscription_items"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var (sub, item) = Find(tx, id);
            return tx.Respond(SubscriptionJson.Item(tx.S, sub, item), req.Expand);
        }));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var (sub, item) = Find(tx, id);
            var now = SubscriptionsEndpoints.Catch(tx, sub);
            var proration = SubscriptionsEndpoints.Proration(req.Form);
            var node = req.Form;
            var oldPrice = tx.S.Prices[item.Price];
            var oldQuantity = item.Quantity;
            if (node.Str("price") is { Length: > 0 } priceId)
            {
                item.Price = PricesEndpoints.Find(tx, priceId, "price").Id;
            }

            item.Quantity = node.Long("quantity") ?? item.Quantity;
            Metadata.Apply(item.Metadata, node);
            SubscriptionsEndpoints.CheckItems(tx, sub);
            var newPrice = tx.S.Prices[item.Price];
            if (proration != "none" && (newPrice.Id != oldPrice.Id || item.Quantity != oldQuantity))
            {
                BillingEngine.Prorate(tx, sub, item.Id, oldPrice, oldQuantity, newPrice, item.Quantity, now);
            }

            Invoicing.PublishSubscriptionUpdated(tx, sub, now);
            if (proration == "always_invoice")
            {
                SubscriptionsEndpoints.InvoicePending(tx, sub, now);
            }

            return tx.Respond(SubscriptionJson.Item(tx.S, sub, item), req.Expand);
        }));

        group.MapDelete("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var (sub, item) = Find(tx, id);
            var now = SubscriptionsEndpoints.Catch(tx, sub);
            var proration = SubscriptionsEndpoints.Proration(req.Form);
            sub.Items.Remove(item);
            SubscriptionsEndpoints.CheckItems(tx, sub);
            if (proration != "none")
            {
                BillingEngine.Prorate(tx, sub, item.Id, tx.S.Prices[item.Price], item.Quantity, null, 0, now);
            }

            Invoicing.PublishSubscriptionUpdated(tx, sub, now);
            return StripeResults.Ok(CatalogJson.Deleted(id, "subscription_item"));
        }));
    }

    private static (SubscriptionRecord Sub, SubscriptionItemRecord Item) Find(Tx tx, string id)
    {
        var sub = tx.S.FindSubscriptionOfItem(id) ?? throw StripeError.NotFound("subscription_item", id);
        return (sub, sub.Items.First(i => i.Id == id));
    }
}
