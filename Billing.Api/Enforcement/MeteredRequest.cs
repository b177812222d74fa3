using Billing.Domain.Catalog;
using Billing.Domain.Quotas;

namespace Billing.Api.Enforcement;

/// <summary>
/// What the quota filters of one request share: a server-generated id, the state behind the <c>X-Quota-*</c> headers,
/// and whether a filter refused the request (then the handler did no work and no filter may record anything).
/// </summary>
internal sealed class MeteredRequest
{
    private static readonly object Key = new();
    private readonly List<QuotaHeaders.Entry> _quotas = [];

    /// <summary>
    /// The idempotency key of this request's usage events. Generated here, never taken from the client: every handled
    /// request did the work and is recorded once, and a retry of the recording inside the server cannot count it twice.
    /// </summary>
    public string Id { get; } = Guid.CreateVersion7().ToString("N");

    public bool Refused { get; private set; }

    /// <summary>A warning about the tenant's standing (payment grace), written once whatever the number of quotas.</summary>
    public string? StandingWarning { get; set; }

    public static MeteredRequest Of(HttpContext context)
    {
        if (context.Items[Key] is not MeteredRequest request)
        {
            request = new MeteredRequest();
            context.Items[Key] = request;
        }

        return request;
    }

    public string EventId(Metric metric) => $"req:{Id}:{metric.ToKey()}";

    /// <summary>Sets the state of <paramref name="decision"/>'s metric after this request and rewrites the headers.</summary>
    public void Show(HttpResponse response, QuotaDecision decision, long consumed, DateTimeOffset resetAt)
    {
        var entry = new QuotaHeaders.Entry(decision, consumed, resetAt);
        var index = _quotas.FindIndex(q => q.Decision.Metric == decision.Metric);
        if (index >= 0)
        {
            _quotas[index] = entry;
        }
        else
        {
            _quotas.Add(entry);
        }

        if (!response.HasStarted)
        {
            QuotaHeaders.Write(response.Headers, _quotas, StandingWarning);
        }
    }

    /// <summary>A quota filter refused the request: the handler does not run, and the other filters give back and record nothing.</summary>
    public void Refuse() => Refused = true;
}
