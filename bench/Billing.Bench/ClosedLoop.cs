using System.Diagnostics;

namespace Billing.Bench;

/// <summary>
/// A closed-loop load: <c>clients</c> concurrent senders share <c>requests</c> requests, each sending its next as soon
/// as its previous one is answered; every answer must be a success.
/// </summary>
public static class ClosedLoop
{
    /// <returns>The wall time of the whole round.</returns>
    public static async Task<TimeSpan> RunAsync(int clients, int requests, Func<Task<HttpResponseMessage>> send, Latencies? latencies = null)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await send();
                response.EnsureSuccessStatusCode();
                latencies?.Add(Stopwatch.GetElapsedTime(started));
            }
        }));
        return watch.Elapsed;
    }
}
