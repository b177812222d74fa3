namespace Billing.Api.Enforcement;

/// <summary>How much of a metric a protected request consumes.</summary>
public enum QuotaAmount
{
    /// <summary>One unit per request, reserved atomically before the handler runs (exact under concurrency).</summary>
    OnePerRequest,

    /// <summary>Known only after the handler (tokens): checked before, recorded from <see cref="UsageReporting.ReportUsage"/> after.</summary>
    ReportedByHandler,
}
