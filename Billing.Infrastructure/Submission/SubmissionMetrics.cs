using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Billing.Infrastructure.Submission;

/// <summary>Submission and reconciliation telemetry (meter and activity source <c>Billing.Submission</c>).</summary>
public sealed class SubmissionMetrics : IDisposable
{
    public const string Name = "Billing.Submission";

    /// <summary>Spans of meter event calls, parented on the trace of the ingesting request.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private long _drift;
    private long _driftRows;
    private long _heldWindows;
    private long _heldTenants;

    public SubmissionMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _succeeded = _meter.CreateCounter<long>("billing.submission.succeeded", "{event}", "Meter events Stripe accepted");
        _failed = _meter.CreateCounter<long>("billing.submission.failed", "{event}", "Meter events Stripe refused for good");
        _retried = _meter.CreateCounter<long>("billing.submission.retried", "{event}", "Meter event sends that failed and will be retried");
        _meter.CreateObservableGauge("billing.reconciliation.drift", () => Interlocked.Read(ref _drift), "{unit}",
            "Absolute difference between Stripe's meter summaries and local usage, over the rows in drift");
        _meter.CreateObservableGauge("billing.reconciliation.drift_rows", () => Interlocked.Read(ref _driftRows), "{row}",
            "(tenant, metric, period) rows whose Stripe total differs from local usage with nothing in flight");
        _meter.CreateObservableGauge("billing.submission.held_windows", () => Interlocked.Read(ref _heldWindows), "{window}",
            "Closed aggregate windows not submitted because their tenant has a Stripe customer but no billing row");
        _meter.CreateObservableGauge("billing.submission.held_tenants", () => Interlocked.Read(ref _heldTenants), "{tenant}",
            "Tenants whose closed windows are held for a missing billing row");
    }

    public void Succeeded(int events, string path) => _succeeded.Add(events, new KeyValuePair<string, object?>("path", path));

    public void Failed(int events) => _failed.Add(events);

    public void Retried(int events) => _retried.Add(events);

    public void Drift(long absoluteDrift, long rows)
    {
        Interlocked.Exchange(ref _drift, absoluteDrift);
        Interlocked.Exchange(ref _driftRows, rows);
    }

    public void Held(long windows, long tenants)
    {
        Interlocked.Exchange(ref _heldWindows, windows);
        Interlocked.Exchange(ref _heldTenants, tenants);
    }

    public void Dispose() => _meter.Dispose();
}
