namespace Billing.Infrastructure.Stripe;

/// <summary>When a plan change takes effect.</summary>
public enum PlanChangeTiming
{
    /// <summary>At once, prorated (the default for upgrades).</summary>
    Now,

    /// <summary>At the end of the current period, without proration; the renewal invoice bills the new plan's base fee (the default for downgrades).</summary>
    PeriodEnd,
}
