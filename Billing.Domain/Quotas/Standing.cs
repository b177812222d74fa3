namespace Billing.Domain.Quotas;

/// <summary>Where a tenant stands for enforcement, before any quota is looked at.</summary>
public enum Standing
{
    /// <summary>Paying (or on Free) and up to date: the plan's quotas apply.</summary>
    Active,

    /// <summary>A payment failed and the plan's payment grace has not run out: the plan's quotas apply, with a warning.</summary>
    InPaymentGrace,

    /// <summary>The payment grace ran out: the tenant is held to the Free plan's quotas.</summary>
    PastPaymentGrace,

    /// <summary>The paid plan's first invoice is not paid (Stripe's <c>incomplete</c>, or it expired): the Free plan's quotas apply.</summary>
    FirstPaymentMissing,

    /// <summary>Cancelled, suspended, or unpaid after every retry: metered requests answer 402.</summary>
    Blocked,
}
