using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Invoices, their lines and invoice items in Stripe's JSON shape.</summary>
public static class InvoiceJson
{
    public static JsonObject Line(EmulatorState state, string invoiceId, InvoiceLineRecord l)
    {
        var price = l.Price is not null ? state.Prices.GetValueOrDefault(l.Price) : null;
        var fromItem = l.InvoiceItem is not null;
        return new JsonObject
        {
            ["id"] = l.Id,
            ["object"] = "line_item",
            ["amount"] = l.Amount,
            ["currency"] = "usd",
            ["customer_account"] = null,
            ["description"] = l.Description,
            ["discount_amounts"] = Json.Empty(),
            ["discountable"] = true,
            ["discounts"] = Json.Empty(),
            ["invoice"] = invoiceId,
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["parent"] = new JsonObject
            {
                ["type"] = fromItem ? "invoice_item_details" : "subscription_item_details",
                ["invoice_item_details"] = fromItem ? new JsonObject
                {
                    ["invoice_item"] = l.InvoiceItem,
                    ["proration"] = l.Proration,
                    ["proration_details"] = new JsonObject { ["credited_items"] = null },
                    ["subscription"] = l.Subscription,
                } : null,
                ["subscription_item_details"] = fromItem ? null : new JsonObject
                {
                    ["invoice_item"] = null,
                    ["proration"] = l.Proration,
                    ["proration_details"] = new JsonObject { ["credited_items"] = null },
                    ["subscription"] = l.Subscription,
                    ["subscription_item"] = l.SubscriptionItem,
                },
            },
            ["period"] = new JsonObject { ["end"] = l.PeriodEnd, ["start"] = l.PeriodStart },
            ["pretax_credit_amounts"] = Json.Empty(),
            ["pricing"] = new JsonObject
            {
                ["type"] = "price_details",
                ["price_details"] = price is null ? null : new JsonObject { ["price"] = price.Id, ["product"] = price.Product },
                ["unit_amount_decimal"] = price?.UnitAmount is { } unit ? Json.Decimal(unit) : null,
            },
            ["quantity"] = (long)decimal.Truncate(l.Quantity),
            ["quantity_decimal"] = Json.Decimal(l.Quantity),
            ["subscription"] = l.Subscription,
            ["subtotal"] = l.Amount,
            ["taxes"] = Json.Empty(),
        };
    }

    public static JsonObject Invoice(EmulatorState state, InvoiceRecord i, string baseUrl, bool preview = false)
    {
        var customer = state.Customers[i.Customer];
        var total = i.Total;
        var due = Math.Max(total, 0);
        var finalized = i.FinalizedAt is not null;
        return new JsonObject
        {
            ["id"] = i.Id,
            ["object"] = "invoice",
            ["account_country"] = "US",
            ["account_name"] = "Billing Stripe Emulator",
            ["account_tax_ids"] = null,
            ["amount_due"] = due,
            ["amount_overpaid"] = 0,
            ["amount_paid"] = i.AmountPaid,
            ["amount_remaining"] = due - i.AmountPaid,
            ["amount_shipping"] = 0,
            ["application"] = null,
            ["attempt_count"] = i.AttemptCount,
            ["attempted"] = i.Attempted,
            ["auto_advance"] = i.Status is "draft" or "open",
            ["automatic_finalizes_at"] = null,
            ["automatic_tax"] = new JsonObject { ["disabled_reason"] = null, ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["automatically_finalizes_at"] = i.AutoFinalizeAt,
            ["billing_reason"] = i.BillingReason,
            ["collection_method"] = i.CollectionMethod,
            ["created"] = i.Created,
            ["currency"] = i.Currency,
            ["custom_fields"] = null,
            ["customer"] = i.Customer,
            ["customer_account"] = null,
            ["customer_address"] = null,
            ["customer_email"] = customer.Email,
            ["customer_name"] = customer.Name,
            ["customer_phone"] = customer.Phone,
            ["customer_shipping"] = null,
            ["customer_tax_exempt"] = "none",
            ["customer_tax_ids"] = Json.Empty(),
            ["default_payment_method"] = null,
            ["default_source"] = null,
            ["default_tax_rates"] = Json.Empty(),
            ["description"] = null,
            ["discounts"] = Json.Empty(),
            ["due_date"] = i.DueDate,
            ["effective_at"] = i.FinalizedAt,
            ["ending_balance"] = finalized ? 0 : null,
            ["footer"] = null,
            ["from_invoice"] = null,
            ["hosted_invoice_url"] = finalized && !preview ? HostedUrls.Invoice(baseUrl, i.Id) : null,
            ["invoice_pdf"] = finalized && !preview ? HostedUrls.InvoicePdf(baseUrl, i.Id) : null,
            ["issuer"] = new JsonObject { ["type"] = "self" },
            ["last_finalization_error"] = null,
            ["latest_revision"] = null,
            ["lines"] = StripeList.Envelope(i.Lines.Select(l => (JsonNode)Line(state, i.Id, l)), false, $"/v1/invoices/{i.Id}/lines"),
            ["livemode"] = false,
            ["metadata"] = Json.Map(i.Metadata),
            ["next_payment_attempt"] = i.NextPaymentAttempt,
            ["number"] = i.Number,
            ["on_behalf_of"] = null,
            ["parent"] = i.Subscription is null ? null : new JsonObject
            {
                ["quote_details"] = null,
                ["subscription_details"] = new JsonObject { ["metadata"] = null, ["subscription"] = i.Subscription },
                ["type"] = "subscription_details",
            },
            ["payment_settings"] = new JsonObject { ["default_mandate"] = null, ["payment_method_options"] = null, ["payment_method_types"] = null },
            ["period_end"] = i.PeriodEnd,
            ["period_start"] = i.PeriodStart,
            ["post_payment_credit_notes_amount"] = 0,
            ["pre_payment_credit_notes_amount"] = 0,
            ["receipt_number"] = null,
            ["rendering"] = null,
            ["shipping_cost"] = null,
            ["shipping_details"] = null,
            ["starting_balance"] = 0,
            ["statement_descriptor"] = null,
            ["status"] = i.Status,
            ["subscription"] = i.Subscription,
            ["status_transitions"] = new JsonObject
            {
                ["finalized_at"] = i.FinalizedAt,
                ["marked_uncollectible_at"] = null,
                ["paid_at"] = i.PaidAt,
                ["voided_at"] = i.VoidedAt,
            },
            ["subtotal"] = total,
            ["subtotal_excluding_tax"] = total,
            ["test_clock"] = i.TestClock,
            ["total"] = total,
            ["total_discount_amounts"] = Json.Empty(),
            ["total_excluding_tax"] = total,
            ["total_pretax_credit_amounts"] = Json.Empty(),
            ["total_taxes"] = Json.Empty(),
            ["webhooks_delivered_at"] = i.Created,
        };
    }

    public static JsonObject InvoiceItem(EmulatorState state, InvoiceItemRecord ii)
    {
        var price = ii.Price is not null ? state.Prices.GetValueOrDefault(ii.Price) : null;
        return new JsonObject
        {
            ["id"] = ii.Id,
            ["object"] = "invoiceitem",
            ["amount"] = ii.Amount,
            ["currency"] = ii.Currency,
            ["customer"] = ii.Customer,
            ["customer_account"] = null,
            ["date"] = ii.Created,
            ["description"] = ii.Description,
            ["discountable"] = !ii.Proration,
            ["discounts"] = Json.Empty(),
            ["invoice"] = ii.Invoice,
            ["livemode"] = false,
            ["metadata"] = Json.Map(ii.Metadata),
            ["net_amount"] = ii.Amount,
            ["parent"] = new JsonObject
            {
                ["subscription_details"] = ii.Subscription is null ? null : new JsonObject { ["subscription"] = ii.Subscription, ["subscription_item"] = ii.SubscriptionItem },
                ["type"] = "subscription_details",
            },
            ["period"] = new JsonObject { ["end"] = ii.PeriodEnd, ["start"] = ii.PeriodStart },
            ["pricing"] = new JsonObject
            {
                ["type"] = "price_details",
                ["price_details"] = price is null ? null : new JsonObject { ["price"] = price.Id, ["product"] = price.Product },
                ["unit_amount_decimal"] = price?.UnitAmount is { } unit ? Json.Decimal(unit) : null,
            },
            ["proration"] = ii.Proration,
            ["quantity"] = ii.Quantity,
            ["quantity_decimal"] = Json.Decimal(ii.Quantity),
            ["tax_rates"] = Json.Empty(),
            ["test_clock"] = ii.TestClock,
        };
    }
}
