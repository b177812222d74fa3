namespace Billing.Domain.Alerts;

/// <summary>When a failed webhook delivery is tried again: exponential backoff with a ceiling.</summary>
public static class DeliveryBackoff
{
    /// <summary>
    /// The wait after the <paramref name="attempts"/>-th failed attempt: <paramref name="baseDelay"/> doubled for each
    /// earlier failure (1, 2, 4, 8 … minutes for a one-minute base), never more than <paramref name="maxDelay"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempts"/> is less than 1.</exception>
    public static TimeSpan After(int attempts, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        // Past 2^20 the doubling has long passed any sensible ceiling; capping the exponent keeps TimeSpan from overflowing.
        var factor = Math.Pow(2, Math.Min(attempts - 1, 20));
        var delay = baseDelay * factor;
        return delay < maxDelay ? delay : maxDelay;
    }
}
