using Billing.Domain.Catalog;
using static System.FormattableString;

namespace Billing.Domain.Quotas;

/// <summary>Decides whether usage may grow by an amount under a quota.</summary>
public static class QuotaPolicy
{
    /// <summary>
    /// A request for <paramref name="amount"/> units on top of <paramref name="used"/> is allowed while the total stays within
    /// the included quantity. Past it, a soft cap warns (it never denies; the overage is billed) and a hard cap warns while the
    /// total stays within its <see cref="Quota.HardLimit"/> (the grace) and denies beyond it.
    /// An <paramref name="amount"/> of 0 is a pure check of the current state and asks whether one more unit fits, so at a
    /// hard limit a check is denied, and at exactly the included quantity it warns (soft) or warns or denies (hard, by grace).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="used"/> or <paramref name="amount"/> is negative.</exception>
    public static QuotaDecision Evaluate(Quota quota, long used, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(used);
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var total = used > long.MaxValue - Math.Max(amount, 1) ? long.MaxValue : used + Math.Max(amount, 1);
        return Decide(quota, used, total);
    }

    /// <summary>
    /// For a gauge (seats, storage), whose reading is a level and not a sum: may the level be <paramref name="level"/>?
    /// The level is compared with the quota as it is, without adding current usage: allowed up to the included quantity,
    /// past it a soft cap warns and a hard cap warns within its <see cref="Quota.HardLimit"/> and denies beyond.
    /// <see cref="QuotaDecision.Used"/> is the level asked about and <see cref="QuotaDecision.Remaining"/> the room above it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is negative.</exception>
    public static QuotaDecision EvaluateLevel(Quota quota, long level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        return Decide(quota, level, level);
    }

    private static QuotaDecision Decide(Quota quota, long used, long total)
    {
        var limit = quota.HardLimit;
        var remaining = Math.Max(0, (limit ?? quota.Included) - used);
        var key = quota.Metric.ToKey();

        var (kind, reason) = (total <= quota.Included, limit) switch
        {
            (true, _) => (QuotaDecisionKind.Allow, null),
            (false, null) => (QuotaDecisionKind.Warn,
                Invariant($"{key} is past its included {quota.Included}; the overage is billed.")),
            (false, { } hard) when total <= hard => (QuotaDecisionKind.Warn,
                Invariant($"{key} is past its included {quota.Included} and inside the grace up to {hard}.")),
            (false, { } hard) => (QuotaDecisionKind.Deny,
                Invariant($"{key} would reach {total}, past its limit of {hard}.")),
        };

        return new QuotaDecision(kind, quota.Metric, quota.Included, limit, used, remaining, reason);
    }
}
