using System.Diagnostics.Metrics;

namespace Billing.Infrastructure.Alerts;

/// <summary>Alert telemetry (meter <c>Billing.Alerts</c>), shown in the Aspire dashboard.</summary>
public sealed class AlertMetrics : IDisposable
{
    public const string MeterName = "Billing.Alerts";

    private readonly Meter _meter;
    private readonly Counter<long> _raised;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _detectionFailed;

    public AlertMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _raised = _meter.CreateCounter<long>("billing.alerts.raised", "{alert}", "Thresholds crossed (one alert per threshold and period)");
        _delivered = _meter.CreateCounter<long>("billing.alerts.delivered", "{alert}", "Alert webhooks a tenant's endpoint accepted");
        _failed = _meter.CreateCounter<long>("billing.alerts.failed", "{alert}", "Alert webhooks given up after the last attempt");
        _detectionFailed = _meter.CreateCounter<long>("billing.alerts.detection_failed", "{tenant}",
            "Tenant evaluations of alert detection that failed (the tenant is evaluated again by the next run)");
    }

    public void Raised(string kind, int thresholdPercent) =>
        _raised.Add(1, new("kind", kind), new("threshold", thresholdPercent));

    public void Delivered() => _delivered.Add(1);

    public void Failed() => _failed.Add(1);

    public void DetectionFailed() => _detectionFailed.Add(1);

    public void Dispose() => _meter.Dispose();
}
