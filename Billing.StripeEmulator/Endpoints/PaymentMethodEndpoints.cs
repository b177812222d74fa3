using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/payment_methods</c>, a customer's payment methods, and the setup intents Checkout's setup mode leaves.</summary>
public static class PaymentMethodEndpoints
{
    /// <summary>Maps payment methods.</summary>
    public static void MapPaymentMethods(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/payment_methods");
        group.MapStripeGet("", (tx, call) => List(tx, call, call.Form.Required("customer"), "/v1/payment_methods"));
        group.MapStripeGet("/{id}", (tx, call) => PaymentJson.PaymentMethod(tx.S.PaymentMethods.Find(call.Id, "PaymentMethod")));
        group.MapStripePost("/{id}/attach", (tx, call) =>
        {
            var customer = CustomerEndpoints.Live(tx, call.Form.Required("customer"), "customer");
            return PaymentJson.PaymentMethod(PaymentMethods.Attach(tx, call.Id, customer));
        });
        group.MapStripePost("/{id}/detach", (tx, call) =>
        {
            var method = tx.S.PaymentMethods.Find(call.Id, "PaymentMethod");
            PaymentMethods.Detach(tx, method);
            return PaymentJson.PaymentMethod(method);
        });

        app.MapStripeGet("/v1/customers/{id}/payment_methods", (tx, call) => List(tx, call, call.Id, $"/v1/customers/{call.Id}/payment_methods"));
        app.MapStripeGet("/v1/customers/{customer}/payment_methods/{id}", (tx, call) =>
        {
            var method = tx.S.PaymentMethods.GetValueOrDefault(call.Id);
            return method is not null && method.Customer == call.Route("customer")
                ? PaymentJson.PaymentMethod(method)
                : throw StripeError.NotFound("PaymentMethod", call.Id);
        });
        app.MapStripeGet("/v1/setup_intents/{id}", (tx, call) => PaymentJson.SetupIntent(tx.S.SetupIntents.Find(call.Id, "setup_intent")));
    }

    private static JsonObject List(Tx tx, StripeCall call, string customerId, string url)
    {
        var customer = CustomerEndpoints.Live(tx, customerId, "customer");
        if (call.Form.Str("type") is { } type && type != "card")
        {
            return StripeList.Envelope([], false, url);
        }

        var methods = EmulatorState.NewestFirst(tx.S.PaymentMethods.Values.Where(m => m.Customer == customer.Id));
        return StripeList.Page(methods, m => m.Id, PaymentJson.PaymentMethod, call.Form, url);
    }
}
