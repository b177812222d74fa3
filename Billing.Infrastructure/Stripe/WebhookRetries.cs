namespace Billing.Infrastructure.Stripe;

/// <summary>
/// How long the inbox keeps retrying a Stripe event that fails to apply. Stripe got its 200 when the event was stored
/// and will not send it again, so giving up early loses it: attempts double from 2 s up to one an hour, and the event is
/// marked <c>failed</c> (listed for the operator, who can replay it) only once the delays add up to <see cref="RetryFor"/>.
/// Counting attempts rather than wall-clock time means a worker outage never shortens the window.
/// </summary>
public static class WebhookRetries
{
    /// <summary>As long as Stripe itself retries a delivery in live mode.</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromDays(3);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

    /// <summary>Attempts after which an event is <c>failed</c>: the first whose delays before it add up to <see cref="RetryFor"/>.</summary>
    public static readonly int MaxAttempts = CountAttempts();

    /// <summary>The wait after the <paramref name="attempts"/>-th failed attempt: 2^attempts seconds, at most <see cref="MaxDelay"/>.</summary>
    public static TimeSpan DelayAfter(int attempts) =>
        attempts >= 12 ? MaxDelay : TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, attempts)));

    public static bool GivesUpAfter(int attempts) => attempts >= MaxAttempts;

    private static int CountAttempts()
    {
        var waited = TimeSpan.Zero;
        var attempts = 1;
        while (waited < RetryFor)
        {
            waited += DelayAfter(attempts);
            attempts++;
        }

        return attempts;
    }
}
