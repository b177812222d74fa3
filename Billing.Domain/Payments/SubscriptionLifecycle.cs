namespace Billing.Domain.Payments;

/// <summary>
/// Stripe's subscription statuses and what each grants: the paid plan's quotas (<c>active</c>, <c>trialing</c>, and
/// <c>past_due</c> through the payment grace), the Free plan's until the first invoice is paid (<c>incomplete</c>,
/// and <c>incomplete_expired</c> for a paid plan that never started), or nothing at all (<c>unpaid</c>,
/// <c>canceled</c>, <c>paused</c>: metered requests answer 402).
/// </summary>
public static class SubscriptionLifecycle
{
    public const string Incomplete = "incomplete";
    public const string IncompleteExpired = "incomplete_expired";
    public const string Unpaid = "unpaid";
    public const string Canceled = "canceled";
    public const string Paused = "paused";

    /// <summary>Terminal: Stripe never revives it, and choosing a paid plan again starts a new subscription.</summary>
    public static bool HasEnded(string status) => status is Canceled or IncompleteExpired;

    /// <summary>Nothing is served: the subscription ended, or every retry of a payment failed.</summary>
    public static bool Blocks(string status) => status is Canceled or Unpaid or Paused;

    /// <summary>The paid plan's first invoice has not been paid (and now may never be): its quotas do not apply.</summary>
    public static bool AwaitsFirstPayment(string status) => status is Incomplete or IncompleteExpired;
}
