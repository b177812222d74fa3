using System.Collections.Concurrent;

namespace Billing.Infrastructure.Caching;

/// <summary>
/// Runs one piece of work per key at a time and lets concurrent callers share its result: when a
/// cache entry or counter is missing, a hundred simultaneous requests fill it with one query, not a
/// hundred (which would also exhaust the database's connections). The shared work must not depend
/// on one caller's cancellation.
/// </summary>
public sealed class SingleFlight
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _inFlight = new();

    public async Task<T> RunAsync<T>(string key, Func<Task<T>> work)
    {
        var flight = _inFlight.GetOrAdd(key, _ => new Lazy<Task>(work));
        try
        {
            return await (Task<T>)flight.Value;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, flight));
        }
    }
}
