using System.Collections.Concurrent;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// Runs one piece of work per key at a time and lets concurrent callers share its result: when a
/// counter is missing, a hundred simultaneous requests rebuild it with one query, not a hundred.
/// </summary>
public sealed class SingleFlight
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _inFlight = new();

    public async Task RunAsync(string key, Func<Task> work)
    {
        var flight = _inFlight.GetOrAdd(key, _ => new Lazy<Task>(work));
        try
        {
            await flight.Value;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, flight));
        }
    }
}
