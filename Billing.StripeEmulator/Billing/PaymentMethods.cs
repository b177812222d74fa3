using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>
/// Cards on customers: created from a test token or a test card number, attached and detached, and the defaults
/// that invoices are charged to (the subscription's, else the customer's).
/// </summary>
public static class PaymentMethods
{
    /// <summary>A new card payment method, not yet attached. Declined cards never get this far.</summary>
    public static PaymentMethodRecord Create(Tx tx, TestCard card, long expMonth, long expYear, string? name, long now)
    {
        if (card.Behavior == CardBehavior.DeclinedOnAttach)
        {
            throw StripeError.CardDeclined();
        }

        return tx.S.Add(tx.S.PaymentMethods, new PaymentMethodRecord
        {
            Id = Ids.New("pm_"),
            Created = now,
            Brand = card.Brand,
            Last4 = card.Last4,
            ExpMonth = expMonth,
            ExpYear = expYear,
            Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(card.Number)))[..16],
            BillingName = name,
            ChargesFail = card.Behavior == CardBehavior.ChargesFail,
        });
    }

    /// <summary>
    /// Attaches <paramref name="id"/> to the customer: a test token (<c>pm_card_visa</c>) becomes a new payment method of that
    /// card, expiring in December three years on; an existing payment method must not belong to another customer.
    /// </summary>
    public static PaymentMethodRecord Attach(Tx tx, string id, CustomerRecord customer, string param = "id")
    {
        var now = tx.NowForCustomer(customer.Id);
        PaymentMethodRecord method;
        if (TestCards.ByToken(id) is { } card)
        {
            var year = DateTimeOffset.FromUnixTimeSeconds(now).Year + 3;
            method = Create(tx, card, 12, year, customer.Name, now);
        }
        else
        {
            method = tx.S.PaymentMethods.GetValueOrDefault(id) ?? throw StripeError.NotFound("PaymentMethod", id, param);
            if (method.Customer == customer.Id)
            {
                return method;
            }

            if (method.Customer is not null)
            {
                throw StripeError.Invalid("The payment method you provided has already been attached to a customer.", param, "payment_method_unexpected_state");
            }
        }

        AttachTo(tx, method, customer, now);
        return method;
    }

    /// <summary>A card typed on a hosted page, as a new payment method attached to the customer.</summary>
    public static PaymentMethodRecord AttachCard(Tx tx, CardEntry entry, CustomerRecord customer, long now) =>
        AttachTo(tx, Create(tx, entry.Card, entry.ExpMonth, entry.ExpYear, entry.Name, now), customer, now);

    private static PaymentMethodRecord AttachTo(Tx tx, PaymentMethodRecord method, CustomerRecord customer, long now)
    {
        method.Customer = customer.Id;
        tx.Publish("payment_method.attached", PaymentJson.PaymentMethod(method), now);
        return method;
    }

    public static void Detach(Tx tx, PaymentMethodRecord method)
    {
        if (method.Customer is not { } customerId)
        {
            throw StripeError.Invalid("The payment method you provided is not attached to a customer so detachment is impossible.", code: "payment_method_unexpected_state");
        }

        var customer = tx.S.Customers[customerId];
        var now = tx.NowForCustomer(customerId);
        if (customer.DefaultPaymentMethod == method.Id)
        {
            SetCustomerDefault(tx, customer, null);
        }

        foreach (var sub in tx.S.Subscriptions.Values.Where(s => s.DefaultPaymentMethod == method.Id))
        {
            var before = SubscriptionJson.Subscription(tx.S, sub);
            sub.DefaultPaymentMethod = null;
            var after = SubscriptionJson.Subscription(tx.S, sub);
            tx.Publish("customer.subscription.updated", after, now, Diff.Previous(before, after));
        }

        method.Customer = null;
        tx.Publish("payment_method.detached", PaymentJson.PaymentMethod(method), now, new JsonObject { ["customer"] = customerId });
    }

    /// <summary>Sets <c>invoice_settings.default_payment_method</c> and tells of it with <c>customer.updated</c>.</summary>
    public static void SetCustomerDefault(Tx tx, CustomerRecord customer, string? methodId)
    {
        if (customer.DefaultPaymentMethod == methodId)
        {
            return;
        }

        var before = tx.RenderCustomer(customer);
        customer.DefaultPaymentMethod = methodId;
        var after = tx.RenderCustomer(customer);
        tx.Publish("customer.updated", after, tx.NowForCustomer(customer.Id), Diff.Previous(before, after));
    }

    /// <summary>A payment method id given as a parameter: it must be attached to <paramref name="customer"/>.</summary>
    public static string OwnedBy(Tx tx, string id, CustomerRecord customer, string param) =>
        tx.S.PaymentMethods.TryGetValue(id, out var method) && method.Customer == customer.Id
            ? id
            : throw StripeError.InvalidParam(param, $"The customer does not have a payment method with the ID {id}. The payment method must be attached to the customer.");

    /// <summary>What an invoice is charged to: the subscription's default, else the customer's; null when neither is set.</summary>
    public static PaymentMethodRecord? DefaultFor(Tx tx, CustomerRecord customer, string? subscriptionDefault)
    {
        var id = subscriptionDefault ?? customer.DefaultPaymentMethod;
        return id is not null && tx.S.PaymentMethods.TryGetValue(id, out var method) && method.Customer == customer.Id ? method : null;
    }

    /// <summary>Whether a charge to <paramref name="method"/> goes through.</summary>
    public static bool Charges(CustomerRecord customer, PaymentMethodRecord? method) =>
        method is { ChargesFail: false } && !customer.FailPayments;
}
