using Billing.Domain.Payments;

namespace Billing.Domain.Quotas;

/// <summary>Decides a tenant's <see cref="Standing"/> from its statuses and payment history.</summary>
public static class StandingPolicy
{
    /// <param name="tenantStatus"><c>active</c>, <c>suspended</c> or <c>cancelled</c>.</param>
    /// <param name="subscriptionStatus">Stripe's subscription status (<c>active</c>, <c>past_due</c>, <c>canceled</c>, ...; see <see cref="SubscriptionLifecycle"/>).</param>
    /// <param name="paymentFailedAt">When the unpaid invoice's payment failed; null while payments are up to date.</param>
    /// <param name="paymentGraceDays">The plan's payment grace.</param>
    public static Standing Evaluate(string tenantStatus, string subscriptionStatus, DateTimeOffset? paymentFailedAt, int paymentGraceDays, DateTimeOffset now)
    {
        if (tenantStatus is "suspended" or "cancelled" || SubscriptionLifecycle.Blocks(subscriptionStatus))
        {
            return Standing.Blocked;
        }

        if (SubscriptionLifecycle.AwaitsFirstPayment(subscriptionStatus))
        {
            return Standing.FirstPaymentMissing;
        }

        if (paymentFailedAt is { } failedAt)
        {
            return now < failedAt.AddDays(paymentGraceDays) ? Standing.InPaymentGrace : Standing.PastPaymentGrace;
        }

        return Standing.Active;
    }
}
