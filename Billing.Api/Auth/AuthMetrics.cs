using System.Diagnostics.Metrics;

namespace Billing.Api.Auth;

/// <summary>Authentication telemetry (meter <c>Billing.Auth</c>): database lookups of keys, and keys refused and why.</summary>
public sealed class AuthMetrics : IDisposable
{
    public const string MeterName = "Billing.Auth";

    private readonly Meter _meter;
    private readonly Counter<long> _lookups;
    private readonly Counter<long> _refused;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _lookups = _meter.CreateCounter<long>("billing.auth.key_lookups", "{lookup}", "Tenant keys looked up in the database");
        _refused = _meter.CreateCounter<long>("billing.auth.keys_refused", "{request}", "Requests refused for their key, by reason");
    }

    public void RecordLookup(bool found) => _lookups.Add(1, new KeyValuePair<string, object?>("outcome", found ? "found" : "unknown"));

    public void RecordRefused(KeyRefusal reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString().ToLowerInvariant()));

    public void Dispose() => _meter.Dispose();
}
