using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/checkout/sessions</c>: the customer completes a session on its hosted page (<c>url</c>).</summary>
public static class CheckoutEndpoints
{
    private const long MinLifetimeSeconds = 30 * 60;

    /// <summary>Maps Checkout Sessions.</summary>
    public static void MapCheckoutSessions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/checkout/sessions");
        group.MapStripePost("", Create);
        group.MapStripeGet("", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.CheckoutSessions.Values.Where(s =>
                (call.Form.Str("customer") is not { } customer || s.Customer == customer) &&
                (call.Form.Str("subscription") is not { } sub || s.Subscription == sub) &&
                (call.Form.Str("status") is not { } status || s.Status == status))),
            s => s.Id, s => Checkout.Render(tx, s), call.Form, "/v1/checkout/sessions"));
        group.MapStripeGet("/{id}", (tx, call) => Checkout.Render(tx, tx.S.CheckoutSessions.Find(call.Id, "checkout.session")));
        group.MapStripePost("/{id}/expire", (tx, call) =>
        {
            var session = tx.S.CheckoutSessions.Find(call.Id, "checkout.session");
            Checkout.Expire(tx, session, tx.NowFor(session.TestClock));
            return Checkout.Render(tx, session);
        });
    }

    private static JsonNode Create(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var mode = form.Required("mode");
        if (mode is not ("subscription" or "setup"))
        {
            throw StripeError.InvalidParam("mode", $"Invalid mode: {mode}. The emulator supports subscription and setup (payment is not emulated).");
        }

        var customer = form.Str("customer") is { Length: > 0 } id ? CustomerEndpoints.Live(tx, id, "customer") : null;
        var now = tx.NowFor(customer?.TestClock);
        var clientReference = form.Str("client_reference_id");
        if (clientReference is { Length: > 200 })
        {
            throw StripeError.InvalidParam("client_reference_id", "client_reference_id must be at most 200 characters.");
        }

        var expiresAt = form.Long("expires_at") ?? now + Checkout.LifetimeSeconds;
        if (expiresAt < now + MinLifetimeSeconds || expiresAt > now + Checkout.LifetimeSeconds)
        {
            throw StripeError.InvalidParam("expires_at", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.");
        }

        var session = new CheckoutSessionRecord
        {
            Id = Ids.New("cs_test_", 58),
            Created = now,
            Mode = mode,
            Customer = customer?.Id,
            ClientReferenceId = clientReference,
            SuccessUrl = Urls.Absolute(form.Required("success_url"), "success_url"),
            CancelUrl = form.Str("cancel_url") is { Length: > 0 } cancel ? Urls.Absolute(cancel, "cancel_url") : null,
            SubscriptionMetadata = form["subscription_data"]?.Map("metadata") ?? new Dictionary<string, string>(StringComparer.Ordinal),
            ExpiresAt = expiresAt,
            TestClock = customer?.TestClock,
            LineItems = LineItems(tx, form, mode),
        };
        session.Currency = session.LineItems.Count > 0 ? tx.S.Prices[session.LineItems[0].Price].Currency : "usd";
        session.ApplyMetadata(form);
        tx.S.Add(tx.S.CheckoutSessions, session);
        return Checkout.Render(tx, session);
    }

    /// <summary>Subscription mode needs recurring prices of one interval; metered ones take no quantity, licensed ones need one.</summary>
    private static List<CheckoutLineRecord> LineItems(Tx tx, FormTree form, string mode)
    {
        var nodes = form.List("line_items");
        if (mode == "setup")
        {
            return nodes.Count == 0 ? [] : throw StripeError.InvalidParam("line_items", "line_items cannot be used in setup mode.");
        }

        if (nodes.Count == 0)
        {
            throw StripeError.MissingParam("line_items");
        }

        var probe = new SubscriptionRecord();
        var lines = new List<CheckoutLineRecord>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var param = $"line_items[{i}][price]";
            var price = Subscribing.UsablePrice(tx, probe, nodes[i].Str("price") ?? throw StripeError.MissingParam(param), param);
            var quantity = nodes[i].Long("quantity");
            if (price.IsMetered && quantity is not null)
            {
                throw StripeError.InvalidParam($"line_items[{i}][quantity]", $"Quantity should not be specified where usage_type is `metered`. Remove quantity from `line_items[{i}]`.");
            }

            if (!price.IsMetered && quantity is not > 0)
            {
                throw quantity is null ? StripeError.MissingParam($"line_items[{i}][quantity]") : StripeError.InvalidParam($"line_items[{i}][quantity]", "Quantity must be at least 1.");
            }

            probe.Items.Add(new SubscriptionItemRecord { Price = price.Id });
            lines.Add(new CheckoutLineRecord { Price = price.Id, Quantity = quantity });
        }

        return lines;
    }
}
