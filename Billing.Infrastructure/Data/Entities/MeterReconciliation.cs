namespace Billing.Infrastructure.Data.Entities;

/// <summary>
/// The latest comparison of a tenant's local usage of a metric in a billing period with Stripe's meter
/// event summary over the same time: one row per (tenant, metric, period), updated by every run.
/// </summary>
public sealed class MeterReconciliation
{
    public Guid TenantId { get; set; }
    public required string Metric { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset PeriodEnd { get; set; }

    /// <summary>Usage up to here was compared (the submission cutoff, or the period end once it has passed).</summary>
    public DateTimeOffset ComparedUntil { get; set; }

    /// <summary>Accepted usage in PostgreSQL (sum, or max / last for gauges).</summary>
    public long LocalValue { get; set; }

    /// <summary>What the submission ledger says was sent to Stripe.</summary>
    public long SubmittedValue { get; set; }

    /// <summary>What Stripe's meter event summary says.</summary>
    public long StripeValue { get; set; }

    /// <summary><see cref="StripeValue"/> − <see cref="LocalValue"/>: positive is over-billing, negative under-billing.</summary>
    public long Drift { get; set; }

    /// <summary>Events not yet aggregated plus submissions not yet sent in the range: while above zero a drift may still settle.</summary>
    public int InFlight { get; set; }

    /// <summary><c>ok</c>, <c>settling</c> (drift with work in flight) or <c>drift</c>.</summary>
    public required string Status { get; set; }

    /// <summary>Set once the period has ended and was compared in full; final rows are not compared again.</summary>
    public bool Final { get; set; }

    public DateTimeOffset CheckedAt { get; set; }
}

public static class ReconciliationStatus
{
    public const string Ok = "ok";
    public const string Settling = "settling";
    public const string Drift = "drift";
}
