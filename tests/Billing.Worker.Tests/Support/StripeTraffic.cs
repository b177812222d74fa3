namespace Billing.Worker.Tests.Support;

/// <summary>
/// Sits in the Stripe client's HTTP pipeline: counts requests by path and, when armed, lets one meter event
/// request reach Stripe and then dies before the answer is read — the worker process stopping between the
/// Stripe call and marking the submission sent.
/// </summary>
public sealed class StripeTraffic : DelegatingHandler
{
    private readonly Dictionary<string, int> _requests = [];

    /// <summary>Requests whose body contains this text are the ones the crash hits (null: none).</summary>
    public string? CrashAfterCallContaining { get; set; }

    public int Requests(string path)
    {
        lock (_requests)
        {
            return _requests.GetValueOrDefault(path);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        lock (_requests)
        {
            _requests[path] = _requests.GetValueOrDefault(path) + 1;
        }

        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (CrashAfterCallContaining is { } marker && path.StartsWith("/v1/billing/meter_events", StringComparison.Ordinal) && body.Contains(marker, StringComparison.Ordinal))
        {
            CrashAfterCallContaining = null;
            response.Dispose();
            throw new SimulatedCrashException();
        }

        return response;
    }
}

public sealed class SimulatedCrashException() : Exception("The worker stopped after Stripe received the call.");
