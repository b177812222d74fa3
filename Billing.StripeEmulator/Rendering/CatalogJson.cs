using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Products, prices, plans and customers in Stripe's JSON shape.</summary>
public static class CatalogJson
{
    public static JsonObject Product(ProductRecord p) => new()
    {
        ["id"] = p.Id,
        ["object"] = "product",
        ["active"] = p.Active,
        ["created"] = p.Created,
        ["default_price"] = p.DefaultPrice,
        ["description"] = p.Description,
        ["images"] = Json.Empty(),
        ["livemode"] = false,
        ["marketing_features"] = Json.Empty(),
        ["metadata"] = Json.Map(p.Metadata),
        ["name"] = p.Name,
        ["package_dimensions"] = null,
        ["shippable"] = null,
        ["statement_descriptor"] = null,
        ["tax_code"] = null,
        ["type"] = "service",
        ["unit_label"] = p.UnitLabel,
        ["updated"] = p.Updated,
        ["url"] = null,
    };

    public static JsonObject Price(PriceRecord p)
    {
        var json = new JsonObject
        {
            ["id"] = p.Id,
            ["object"] = "price",
            ["active"] = p.Active,
            ["billing_scheme"] = p.BillingScheme,
            ["created"] = p.Created,
            ["currency"] = p.Currency,
            ["custom_unit_amount"] = null,
            ["livemode"] = false,
            ["lookup_key"] = p.LookupKey,
            ["metadata"] = Json.Map(p.Metadata),
            ["nickname"] = p.Nickname,
            ["product"] = p.Product,
            ["recurring"] = p.Interval is null ? null : new JsonObject
            {
                ["interval"] = p.Interval,
                ["interval_count"] = p.IntervalCount,
                ["meter"] = p.Meter,
                ["trial_period_days"] = null,
                ["usage_type"] = p.UsageType,
            },
            ["tax_behavior"] = p.TaxBehavior,
            ["tiers_mode"] = p.TiersMode,
            ["transform_quantity"] = null,
            ["type"] = p.Interval is null ? "one_time" : "recurring",
            ["unit_amount"] = WholeCents(p.UnitAmount),
            ["unit_amount_decimal"] = p.UnitAmount is { } amount ? Json.Decimal(amount) : null,
        };
        if (p.BillingScheme == "tiered")
        {
            json["tiers"] = new JsonArray(p.Tiers.Select(t => (JsonNode?)new JsonObject
            {
                ["flat_amount"] = WholeCents(t.FlatAmount),
                ["flat_amount_decimal"] = t.FlatAmount is { } flat ? Json.Decimal(flat) : null,
                ["unit_amount"] = WholeCents(t.UnitAmount),
                ["unit_amount_decimal"] = t.UnitAmount is { } unit ? Json.Decimal(unit) : null,
                ["up_to"] = t.UpTo,
            }).ToArray());
        }

        return json;
    }

    public static JsonObject Plan(PriceRecord p) => new()
    {
        ["id"] = p.Id,
        ["object"] = "plan",
        ["active"] = p.Active,
        ["amount"] = WholeCents(p.UnitAmount),
        ["amount_decimal"] = p.UnitAmount is { } amount ? Json.Decimal(amount) : null,
        ["billing_scheme"] = p.BillingScheme,
        ["created"] = p.Created,
        ["currency"] = p.Currency,
        ["interval"] = p.Interval,
        ["interval_count"] = p.IntervalCount,
        ["livemode"] = false,
        ["metadata"] = Json.Map(p.Metadata),
        ["meter"] = p.Meter,
        ["nickname"] = p.Nickname,
        ["product"] = p.Product,
        ["tiers_mode"] = p.TiersMode,
        ["transform_usage"] = null,
        ["trial_period_days"] = null,
        ["usage_type"] = p.UsageType,
    };

    public static JsonObject Customer(CustomerRecord c, bool hasSubscriptions, bool delinquent) => new()
    {
        ["id"] = c.Id,
        ["object"] = "customer",
        ["address"] = null,
        ["balance"] = 0,
        ["created"] = c.Created,
        ["currency"] = hasSubscriptions ? "usd" : null,
        ["default_source"] = null,
        ["delinquent"] = delinquent,
        ["description"] = c.Description,
        ["discount"] = null,
        ["email"] = c.Email,
        ["invoice_prefix"] = c.InvoicePrefix,
        ["invoice_settings"] = new JsonObject
        {
            ["custom_fields"] = null,
            ["default_payment_method"] = c.DefaultPaymentMethod,
            ["footer"] = null,
            ["rendering_options"] = null,
        },
        ["livemode"] = false,
        ["metadata"] = Json.Map(c.Metadata),
        ["name"] = c.Name,
        ["next_invoice_sequence"] = c.NextInvoiceSequence,
        ["phone"] = c.Phone,
        ["preferred_locales"] = Json.Empty(),
        ["shipping"] = null,
        ["tax_exempt"] = "none",
        ["test_clock"] = c.TestClock,
    };

    public static JsonObject Deleted(string id, string objectName) => new()
    {
        ["id"] = id,
        ["object"] = objectName,
        ["deleted"] = true,
    };

    /// <summary>Stripe's integer field is null when the decimal amount has a fractional cent.</summary>
    private static long? WholeCents(decimal? amount) =>
        amount is { } value && value == decimal.Truncate(value) ? (long)value : null;
}
