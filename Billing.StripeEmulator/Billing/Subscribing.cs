using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <param name="Param">The parameter that named the price, for errors.</param>
public sealed record NewItem(string Price, long Quantity, Dictionary<string, string> Metadata, string Param);

/// <summary>Everything about a new subscription apart from its customer and items.</summary>
public sealed record SubscriptionTerms(
    string PaymentBehavior,
    string CollectionMethod,
    long? DaysUntilDue,
    string? DefaultPaymentMethod,
    bool CancelAtPeriodEnd,
    long? BillingCycleAnchor,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static SubscriptionTerms Plain(IReadOnlyDictionary<string, string> metadata, string? defaultPaymentMethod) => new(
        PaymentBehaviors.AllowIncomplete, CollectionMethods.ChargeAutomatically, null, defaultPaymentMethod, false, null, null, metadata);
}

/// <summary>Creates subscriptions, for <c>POST /v1/subscriptions</c> and for Checkout alike.</summary>
public static class Subscribing
{
    /// <summary>Checks everything first (nothing is stored when a check fails), then stores, starts and bills the subscription.</summary>
    public static SubscriptionRecord Create(Tx tx, CustomerRecord customer, IReadOnlyList<NewItem> items, SubscriptionTerms terms)
    {
        var now = tx.NowForCustomer(customer.Id);
        var sub = new SubscriptionRecord
        {
            Id = Ids.New("sub_"),
            Created = now,
            Customer = customer.Id,
            Description = terms.Description,
            CancelAtPeriodEnd = terms.CancelAtPeriodEnd,
            CollectionMethod = terms.CollectionMethod,
            DaysUntilDue = terms.DaysUntilDue,
            DefaultPaymentMethod = terms.DefaultPaymentMethod,
            Metadata = new Dictionary<string, string>(terms.Metadata, StringComparer.Ordinal),
        };
        if (items.Count == 0)
        {
            throw StripeError.MissingParam("items");
        }

        foreach (var item in items)
        {
            var price = UsablePrice(tx, sub, item.Price, item.Param);
            var record = new SubscriptionItemRecord { Id = Ids.New("si_", 14), Created = now, Price = price.Id, Quantity = item.Quantity };
            foreach (var (key, value) in item.Metadata)
            {
                record.Metadata[key] = value;
            }

            sub.Items.Add(record);
        }

        if (terms.BillingCycleAnchor is { } anchor && anchor < now)
        {
            throw StripeError.InvalidParam("billing_cycle_anchor", "billing_cycle_anchor cannot be in the past.");
        }

        PaymentBehaviors.Guard(tx, terms.PaymentBehavior, customer, sub.CollectionMethod, sub.DefaultPaymentMethod, ChargesUpFront(tx.S, sub));
        sub.Currency = tx.S.Prices[sub.Items[0].Price].Currency;
        tx.S.Add(tx.S.Subscriptions, sub);
        BillingEngine.Start(tx, sub, now, terms.BillingCycleAnchor, terms.PaymentBehavior);
        if (sub.CancelAtPeriodEnd)
        {
            sub.CancelAt = sub.CurrentPeriodEnd;
        }

        return sub;
    }

    /// <summary>Checks a price can join the subscription: recurring, and on the same interval as the others.</summary>
    public static PriceRecord UsablePrice(Tx tx, SubscriptionRecord sub, string priceId, string param)
    {
        var price = tx.S.Prices.GetValueOrDefault(priceId) ?? throw StripeError.NotFound("price", priceId, param);
        if (price.Interval is null)
        {
            throw StripeError.InvalidParam(param, "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.");
        }

        var others = sub.Items.Select(i => tx.S.Prices[i.Price]).Where(p => p.Id != price.Id).ToList();
        if (others.Any(p => p.Interval != price.Interval || p.IntervalCount != price.IntervalCount))
        {
            throw StripeError.InvalidParam(param, "Currency and interval fields must match across all plans on this subscription.");
        }

        return price;
    }

    /// <summary>Whether the first invoice charges anything: licensed fees are billed in advance, usage only at the period's end.</summary>
    public static bool ChargesUpFront(EmulatorState state, SubscriptionRecord sub) =>
        sub.Items.Any(item => state.Prices[item.Price] is { IsMetered: false } price && Pricing.ExactAmount(price, item.Quantity) > 0);
}
