using Billing.Domain.Catalog;

namespace Billing.Domain.Payments;

/// <summary>The wire names of <see cref="CollectionMethod"/>, as Stripe spells them.</summary>
public static class CollectionMethods
{
    /// <summary>The longest payment term an operator may give an invoiced tenant.</summary>
    public const int MaxDaysUntilDue = 365;

    public static string ToKey(this CollectionMethod method) => method switch
    {
        CollectionMethod.ChargeAutomatically => "charge_automatically",
        CollectionMethod.SendInvoice => "send_invoice",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown collection method."),
    };

    /// <summary>Parses a wire name; false for null or anything else.</summary>
    public static bool TryParse(string? key, out CollectionMethod method)
    {
        foreach (var candidate in Enum.GetValues<CollectionMethod>())
        {
            if (candidate.ToKey() == key)
            {
                method = candidate;
                return true;
            }
        }

        method = default;
        return false;
    }

    /// <summary>
    /// Whether moving to <paramref name="target"/> needs a card on file first: only when it starts a paid subscription
    /// (none is live) that will be charged automatically. Changes within a live subscription bill its existing card.
    /// </summary>
    public static bool NeedsPaymentMethod(PlanTier target, bool hasLiveSubscription, CollectionMethod collection) =>
        target != PlanTier.Free && !hasLiveSubscription && collection == CollectionMethod.ChargeAutomatically;
}
