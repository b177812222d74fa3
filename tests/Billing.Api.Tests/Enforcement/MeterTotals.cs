using System.Diagnostics.Metrics;

namespace Billing.Api.Tests.Enforcement;

/// <summary>The totals of some counters of one API instance (its <see cref="IMeterFactory"/>), counted while this lives.</summary>
internal sealed class MeterTotals : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _totals;

    public MeterTotals(IMeterFactory factory, params string[] counters)
    {
        _totals = counters.ToDictionary(c => c, _ => 0L);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_totals.ContainsKey(instrument.Name) && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (_totals)
            {
                _totals[instrument.Name] += value;
            }
        });
        _listener.Start();
    }

    public long this[string counter]
    {
        get
        {
            lock (_totals)
            {
                return _totals[counter];
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
