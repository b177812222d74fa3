using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Billing;

/// <summary><c>payment_behavior</c> on subscription creates and updates: what happens when a payment is needed.</summary>
public static class PaymentBehaviors
{
    /// <summary>Try to pay; a failure leaves the subscription <c>incomplete</c> (create) or <c>past_due</c> (update).</summary>
    public const string AllowIncomplete = "allow_incomplete";

    /// <summary>Do not try yet: the invoice stays open for the customer to confirm the payment.</summary>
    public const string DefaultIncomplete = "default_incomplete";

    /// <summary>Refuse with an error, changing nothing, when the payment could not be made.</summary>
    public const string ErrorIfIncomplete = "error_if_incomplete";

    public static string Of(FormTree form)
    {
        var behavior = form.Str("payment_behavior") ?? AllowIncomplete;
        return behavior is AllowIncomplete or DefaultIncomplete or ErrorIfIncomplete
            ? behavior
            : throw StripeError.InvalidParam("payment_behavior",
                "Invalid payment_behavior: must be one of allow_incomplete, default_incomplete or error_if_incomplete (pending_if_incomplete is not emulated).");
    }

    /// <summary>
    /// For <c>error_if_incomplete</c>, refuses before anything changes when a charge would be needed and could not be made:
    /// 400 without a payment method, 402 <c>card_declined</c> when the card would be declined.
    /// </summary>
    public static void Guard(Tx tx, string behavior, CustomerRecord customer, string collectionMethod, string? subscriptionDefault, bool chargeNeeded)
    {
        if (behavior != ErrorIfIncomplete || !chargeNeeded || collectionMethod == CollectionMethods.SendInvoice)
        {
            return;
        }

        var method = PaymentMethods.DefaultFor(tx, customer, subscriptionDefault);
        if (method is null)
        {
            throw StripeError.NoPaymentMethod();
        }

        if (!PaymentMethods.Charges(customer, method))
        {
            throw StripeError.CardDeclined();
        }
    }
}
