namespace Billing.Infrastructure.Submission;

/// <summary>Submission of usage to Stripe's meters (configuration section <c>Submission</c>).</summary>
public sealed class SubmissionOptions
{
    public const string SectionName = "Submission";

    /// <summary>How long after a bucket ends its last minute is given to be aggregated before the bucket is closed.</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A run with more pending meter events than this sends them through the v2 meter event stream.</summary>
    public int StreamThreshold { get; set; } = 100;

    /// <summary>Most meter events one run sends; the rest wait for the next run.</summary>
    public int MaxEventsPerRun { get; set; } = 20_000;

    /// <summary>Delay before the first retry of a failed send; doubles with every attempt up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Tenants are split into this many lanes (as the aggregation's, by a hash of the tenant id); each lane is closed and
    /// sent by one run at a time, lanes at once on different workers. A tenant is one Stripe customer, so its meter
    /// events keep their one-call-at-a-time order. The same value on every worker; from 1 to <see cref="Tenancy.TenantLane.MaxCount"/>.
    /// </summary>
    public int Lanes { get; set; } = 4;

    /// <summary>The delay before the next attempt after <paramref name="attempts"/> failed ones.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        return TimeSpan.FromTicks((long)Math.Min(RetryBase.Ticks * factor, RetryMax.Ticks));
    }
}
