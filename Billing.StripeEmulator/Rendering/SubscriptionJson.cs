using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Subscriptions, their items and test clocks in Stripe's JSON shape.</summary>
public static class SubscriptionJson
{
    public static JsonObject Item(EmulatorState state, SubscriptionRecord sub, SubscriptionItemRecord item)
    {
        var price = state.Prices[item.Price];
        return new JsonObject
        {
            ["id"] = item.Id,
            ["object"] = "subscription_item",
            ["billing_thresholds"] = null,
            ["created"] = item.Created,
            ["current_period_end"] = sub.CurrentPeriodEnd,
            ["current_period_start"] = sub.CurrentPeriodStart,
            ["discounts"] = Json.Empty(),
            ["metadata"] = Json.Map(item.Metadata),
            ["plan"] = CatalogJson.Plan(price),
            ["price"] = CatalogJson.Price(price),
            ["quantity"] = item.Quantity,
            ["subscription"] = sub.Id,
            ["tax_rates"] = Json.Empty(),
        };
    }

    public static JsonObject Subscription(EmulatorState state, SubscriptionRecord s)
    {
        var customer = state.Customers[s.Customer];
        return new JsonObject
        {
            ["id"] = s.Id,
            ["object"] = "subscription",
            ["application"] = null,
            ["application_fee_percent"] = null,
            ["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null },
            ["billing_cycle_anchor"] = s.BillingCycleAnchor,
            ["billing_cycle_anchor_config"] = null,
            ["billing_mode"] = new JsonObject { ["flexible"] = null, ["type"] = "classic" },
            ["billing_schedules"] = Json.Empty(),
            ["billing_thresholds"] = null,
            ["cancel_at"] = s.CancelAt,
            ["cancel_at_period_end"] = s.CancelAtPeriodEnd,
            ["canceled_at"] = s.CanceledAt,
            ["cancellation_details"] = new JsonObject { ["comment"] = null, ["feedback"] = null, ["reason"] = s.CanceledAt is null ? null : s.CancellationReason ?? "cancellation_requested" },
            ["collection_method"] = s.CollectionMethod,
            ["created"] = s.Created,
            ["currency"] = s.Currency,
            ["customer"] = s.Customer,
            ["customer_account"] = null,
            ["days_until_due"] = s.DaysUntilDue,
            ["default_payment_method"] = s.DefaultPaymentMethod,
            ["default_source"] = null,
            ["default_tax_rates"] = Json.Empty(),
            ["description"] = s.Description,
            ["discounts"] = Json.Empty(),
            ["ended_at"] = s.EndedAt,
            ["invoice_settings"] = new JsonObject
            {
                ["account_tax_ids"] = null,
                ["custom_fields"] = null,
                ["description"] = null,
                ["footer"] = null,
                ["issuer"] = new JsonObject { ["type"] = "self" },
            },
            ["items"] = StripeList.Envelope(s.Items.Select(i => (JsonNode)Item(state, s, i)), false, $"/v1/subscription_items?subscription={s.Id}"),
            ["latest_invoice"] = s.LatestInvoice,
            ["livemode"] = false,
            ["managed_payments"] = null,
            ["metadata"] = Json.Map(s.Metadata),
            ["next_pending_invoice_item_invoice"] = null,
            ["on_behalf_of"] = null,
            ["pause_collection"] = null,
            ["payment_settings"] = new JsonObject
            {
                ["payment_method_options"] = null,
                ["payment_method_types"] = null,
                ["save_default_payment_method"] = "off",
            },
            ["pending_invoice_item_interval"] = null,
            ["pending_setup_intent"] = null,
            ["pending_update"] = null,
            ["schedule"] = null,
            ["start_date"] = s.StartDate,
            ["status"] = s.Status,
            ["test_clock"] = customer.TestClock,
            ["transfer_data"] = null,
            ["trial_end"] = null,
            ["trial_settings"] = new JsonObject { ["end_behavior"] = new JsonObject { ["missing_payment_method"] = "create_invoice" } },
            ["trial_start"] = null,
        };
    }

    public static JsonObject TestClock(TestClockRecord c) => new()
    {
        ["id"] = c.Id,
        ["object"] = "test_helpers.test_clock",
        ["created"] = c.Created,
        ["deletes_after"] = c.DeletesAfter,
        ["frozen_time"] = c.FrozenTime,
        ["livemode"] = false,
        ["name"] = c.Name,
        ["status"] = c.Status,
        ["status_details"] = new JsonObject(),
    };
}
