using System.Text.Json.Nodes;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Rendering;

/// <summary>Payment methods, setup intents, Checkout Sessions and customer portal sessions in Stripe's JSON shape.</summary>
public static class PaymentJson
{
    public static JsonObject PaymentMethod(PaymentMethodRecord m) => new()
    {
        ["id"] = m.Id,
        ["object"] = "payment_method",
        ["allow_redisplay"] = "unspecified",
        ["billing_details"] = new JsonObject
        {
            ["address"] = null,
            ["email"] = null,
            ["name"] = m.BillingName,
            ["phone"] = null,
            ["tax_id"] = null,
        },
        ["card"] = new JsonObject
        {
            ["brand"] = m.Brand,
            ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
            ["country"] = "US",
            ["display_brand"] = m.Brand,
            ["exp_month"] = m.ExpMonth,
            ["exp_year"] = m.ExpYear,
            ["fingerprint"] = m.Fingerprint,
            ["funding"] = m.Funding,
            ["generated_from"] = null,
            ["last4"] = m.Last4,
            ["networks"] = new JsonObject { ["available"] = Json.Strings([m.Brand]), ["preferred"] = null },
            ["regulated_status"] = "unregulated",
            ["three_d_secure_usage"] = new JsonObject { ["supported"] = true },
            ["wallet"] = null,
        },
        ["created"] = m.Created,
        ["customer"] = m.Customer,
        ["customer_account"] = null,
        ["livemode"] = false,
        ["metadata"] = Json.Map(m.Metadata),
        ["type"] = "card",
    };

    public static JsonObject SetupIntent(SetupIntentRecord s) => new()
    {
        ["id"] = s.Id,
        ["object"] = "setup_intent",
        ["application"] = null,
        ["automatic_payment_methods"] = null,
        ["cancellation_reason"] = null,
        ["client_secret"] = $"{s.Id}_secret_{s.Id[5..]}",
        ["created"] = s.Created,
        ["customer"] = s.Customer,
        ["description"] = null,
        ["excluded_payment_method_types"] = null,
        ["flow_directions"] = null,
        ["last_setup_error"] = null,
        ["latest_attempt"] = null,
        ["livemode"] = false,
        ["mandate"] = null,
        ["metadata"] = Json.Map(s.Metadata),
        ["next_action"] = null,
        ["on_behalf_of"] = null,
        ["payment_method"] = s.PaymentMethod,
        ["payment_method_configuration_details"] = null,
        ["payment_method_options"] = new JsonObject(),
        ["payment_method_types"] = Json.Strings(["card"]),
        ["single_use_mandate"] = null,
        ["status"] = "succeeded",
        ["usage"] = "off_session",
    };

    public static JsonObject CheckoutSession(CheckoutSessionRecord s, string url)
    {
        var open = s.Status == "open";
        return new JsonObject
        {
            ["id"] = s.Id,
            ["object"] = "checkout.session",
            ["adaptive_pricing"] = null,
            ["after_expiration"] = null,
            ["allow_promotion_codes"] = null,
            ["amount_subtotal"] = s.AmountTotal,
            ["amount_total"] = s.AmountTotal,
            ["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["billing_address_collection"] = null,
            ["cancel_url"] = s.CancelUrl,
            ["client_reference_id"] = s.ClientReferenceId,
            ["client_secret"] = null,
            ["collected_information"] = null,
            ["consent"] = null,
            ["consent_collection"] = null,
            ["created"] = s.Created,
            ["currency"] = s.Mode == "subscription" ? s.Currency : null,
            ["currency_conversion"] = null,
            ["custom_fields"] = Json.Empty(),
            ["custom_text"] = new JsonObject { ["after_submit"] = null, ["shipping_address"] = null, ["submit"] = null, ["terms_of_service_acceptance"] = null },
            ["customer"] = s.Customer,
            ["customer_account"] = null,
            ["customer_creation"] = s.Customer is null ? "always" : null,
            ["customer_details"] = null,
            ["customer_email"] = null,
            ["discounts"] = Json.Empty(),
            ["expires_at"] = s.ExpiresAt,
            ["integration_identifier"] = null,
            ["invoice"] = s.Invoice,
            ["invoice_creation"] = null,
            ["livemode"] = false,
            ["locale"] = null,
            ["managed_payments"] = null,
            ["metadata"] = Json.Map(s.Metadata),
            ["mode"] = s.Mode,
            ["origin_context"] = null,
            ["payment_intent"] = null,
            ["payment_link"] = null,
            ["payment_method_collection"] = "always",
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject(),
            ["payment_method_types"] = Json.Strings(["card"]),
            ["payment_status"] = s.PaymentStatus,
            ["permissions"] = null,
            ["phone_number_collection"] = new JsonObject { ["enabled"] = false },
            ["recovered_from"] = null,
            ["saved_payment_method_options"] = null,
            ["setup_intent"] = s.SetupIntent,
            ["shipping_address_collection"] = null,
            ["shipping_cost"] = null,
            ["shipping_options"] = Json.Empty(),
            ["status"] = s.Status,
            ["submit_type"] = null,
            ["subscription"] = s.Subscription,
            ["success_url"] = s.SuccessUrl,
            ["total_details"] = s.AmountTotal is null ? null : new JsonObject { ["amount_discount"] = 0, ["amount_shipping"] = 0, ["amount_tax"] = 0 },
            ["ui_mode"] = "hosted",
            ["url"] = open ? url : null,
            ["wallet_options"] = null,
        };
    }

    public static JsonObject PortalSession(PortalSessionRecord s, string url) => new()
    {
        ["id"] = s.Id,
        ["object"] = "billing_portal.session",
        ["configuration"] = "bpc_emulator_default",
        ["created"] = s.Created,
        ["customer"] = s.Customer,
        ["customer_account"] = null,
        ["flow"] = null,
        ["livemode"] = false,
        ["locale"] = null,
        ["on_behalf_of"] = null,
        ["return_url"] = s.ReturnUrl,
        ["url"] = url,
    };
}
