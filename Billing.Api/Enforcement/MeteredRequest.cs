using System.Globalization;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;

namespace Billing.Api.Enforcement;

/// <summary>One metered request as its quota filter sees it: a server-generated id and the state behind the <c>X-Quota-*</c> headers.</summary>
internal sealed class MeteredRequest
{
    private readonly List<QuotaHeaders.Entry> _quotas = [];

    // Drawn once per process: each id is this prefix and a counter, unique for ever without a random number (a system
    // call) per request, and increasing within the process, so the ids of one replica append to the unique index.
    // 64 random bits: two process starts drawing the same prefix is a one-in-billions event even over millions of
    // starts, and every metered row carries the id twice (heap and unique index), so its length is paid per request.
    private static readonly string ProcessPrefix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private static long _sequence;

    /// <summary>A request whose id this server generates: every handled request did the work and is recorded once.</summary>
    public MeteredRequest()
        : this(string.Create(CultureInfo.InvariantCulture, $"req:{ProcessPrefix}{Interlocked.Increment(ref _sequence):x}"))
    {
    }

    /// <summary>A request named by its caller (<c>gw:&lt;gateway request id&gt;</c>), whose repeats are recorded once.</summary>
    public MeteredRequest(string id) => Id = id;

    /// <summary>
    /// The idempotency key of this request's usage events. Never taken from a client as it is: a retry of the recording
    /// inside the server (or a second delivery from the usage stream) cannot count the request twice.
    /// </summary>
    public string Id { get; }

    /// <summary>A warning about the tenant's standing (payment grace), written once whatever the number of quotas.</summary>
    public string? StandingWarning { get; set; }

    public string EventId(Metric metric) => $"{Id}:{metric.ToKey()}";

    /// <summary>Sets the state of <paramref name="decision"/>'s metric after this request; <see cref="WriteHeaders"/> shows it.</summary>
    public void Set(QuotaDecision decision, long consumed, DateTimeOffset resetAt)
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
    }

    /// <summary>(Re)writes the headers from the quotas set so far, unless the response has started.</summary>
    public void WriteHeaders(HttpResponse response)
    {
        if (!response.HasStarted)
        {
            QuotaHeaders.Write(response.Headers, _quotas, StandingWarning);
        }
    }
}
