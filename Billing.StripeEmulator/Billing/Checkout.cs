using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary>A card as the customer typed it on a hosted page, already checked for form.</summary>
public sealed record CardEntry(TestCard Card, long ExpMonth, long ExpYear, string Name);

/// <summary>
/// Checkout Sessions: the customer completes one on the hosted page with a card. In <c>subscription</c> mode the card is
/// attached and made the default, the subscription created and its first invoice paid; a declined card changes nothing.
/// In <c>setup</c> mode the card is only attached.
/// </summary>
public static class Checkout
{
    /// <summary>Stripe's default lifetime of a session.</summary>
    public const long LifetimeSeconds = 24 * 3600;

    /// <summary>Completes the session; the message to show when the card is declined, else null.</summary>
    public static string? Complete(Tx tx, CheckoutSessionRecord session, CardEntry entry)
    {
        var now = tx.NowFor(session.TestClock);
        if (entry.Card.Behavior == CardBehavior.DeclinedOnAttach)
        {
            return "Your card was declined.";
        }

        var customer = session.Customer is { } id ? tx.S.Customers[id] : NewCustomer(tx, entry.Name, now);
        if (session.Mode == "subscription")
        {
            var items = session.LineItems.Select((line, i) => new NewItem(line.Price, line.Quantity ?? 1, [], $"line_items[{i}][price]")).ToList();
            var probe = new SubscriptionRecord { Items = [.. items.Select(i => new SubscriptionItemRecord { Price = i.Price, Quantity = i.Quantity })] };
            if (Subscribing.ChargesUpFront(tx.S, probe) && (entry.Card.Behavior == CardBehavior.ChargesFail || customer.FailPayments))
            {
                return "Your card was declined.";
            }

            var method = PaymentMethods.AttachCard(tx, entry, customer, now);
            PaymentMethods.SetCustomerDefault(tx, customer, method.Id);
            var sub = Subscribing.Create(tx, customer, items, SubscriptionTerms.Plain(session.SubscriptionMetadata, method.Id));
            session.Subscription = sub.Id;
            session.Invoice = sub.LatestInvoice;
            session.AmountTotal = sub.LatestInvoice is { } invoice ? tx.S.Invoices[invoice].Total : 0;
            session.PaymentStatus = "paid";
        }
        else
        {
            var method = PaymentMethods.AttachCard(tx, entry, customer, now);
            var intent = tx.S.Add(tx.S.SetupIntents, new SetupIntentRecord { Id = Ids.New("seti_"), Created = now, Customer = customer.Id, PaymentMethod = method.Id });
            session.SetupIntent = intent.Id;
            session.PaymentStatus = "no_payment_required";
        }

        session.Customer = customer.Id;
        session.Status = "complete";
        tx.Publish("checkout.session.completed", Render(tx, session), now);
        return null;
    }

    public static void Expire(Tx tx, CheckoutSessionRecord session, long at)
    {
        if (session.Status != "open")
        {
            throw StripeError.Invalid($"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{session.Status}\".",
                code: "checkout_session_not_open");
        }

        session.Status = "expired";
        tx.Publish("checkout.session.expired", Render(tx, session), at);
    }

    /// <summary>Where the customer goes after completing: <c>{CHECKOUT_SESSION_ID}</c> in the success URL becomes the session's id.</summary>
    public static string SuccessUrl(CheckoutSessionRecord session) =>
        session.SuccessUrl.Replace("{CHECKOUT_SESSION_ID}", session.Id, StringComparison.Ordinal);

    public static System.Text.Json.Nodes.JsonObject Render(Tx tx, CheckoutSessionRecord session) =>
        PaymentJson.CheckoutSession(session, HostedUrls.Checkout(tx.BaseUrl, session.Id));

    private static CustomerRecord NewCustomer(Tx tx, string name, long now)
    {
        var customer = tx.S.Add(tx.S.Customers, new CustomerRecord
        {
            Id = Ids.New("cus_", 14),
            Created = now,
            Name = name,
            InvoicePrefix = Ids.New("", 8).ToUpperInvariant(),
        });
        tx.Publish("customer.created", tx.RenderCustomer(customer), now);
        return customer;
    }
}
