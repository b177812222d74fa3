using System.Collections.Concurrent;

namespace Billing.Reliability.Tests.Load;

/// <summary>
/// What the clients saw: every request sent, every answer by class, and per tenant, metric and billing period (by its
/// end) the units a 2xx confirmed and the units whose outcome the client never learned (the connection failed after the
/// request was sent).
/// </summary>
public sealed class Tally
{
    private readonly ConcurrentDictionary<(Guid Tenant, string Metric, DateTimeOffset PeriodEnd), long> _confirmed = new();
    private readonly ConcurrentDictionary<(Guid Tenant, string Metric, DateTimeOffset PeriodEnd), long> _uncertain = new();
    private readonly ConcurrentBag<DateTimeOffset> _failures = [];
    private long _sent, _ok, _serverErrors, _transportErrors, _refused;

    public long Sent => Interlocked.Read(ref _sent);

    public long Succeeded => Interlocked.Read(ref _ok);

    /// <summary>5xx answers the clients received.</summary>
    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    /// <summary>Requests that got no answer (connection refused or reset, timeout).</summary>
    public long TransportErrors => Interlocked.Read(ref _transportErrors);

    /// <summary>4xx answers (429 past a hard cap, mostly).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>When each 5xx or transport error was seen.</summary>
    public IReadOnlyCollection<DateTimeOffset> FailureTimes => _failures;

    public IReadOnlyDictionary<(Guid Tenant, string Metric, DateTimeOffset PeriodEnd), long> Confirmed => _confirmed;

    public void RequestSent() => Interlocked.Increment(ref _sent);

    public void Answered(int status)
    {
        if (status is >= 200 and < 300)
        {
            Interlocked.Increment(ref _ok);
        }
        else if (status >= 500)
        {
            Interlocked.Increment(ref _serverErrors);
            _failures.Add(DateTimeOffset.UtcNow);
        }
        else
        {
            Interlocked.Increment(ref _refused);
        }
    }

    public void NoAnswer()
    {
        Interlocked.Increment(ref _transportErrors);
        _failures.Add(DateTimeOffset.UtcNow);
    }

    public void Confirm(Guid tenant, string metric, DateTimeOffset periodEnd, long units) =>
        _confirmed.AddOrUpdate((tenant, metric, periodEnd), units, (_, v) => v + units);

    public void MaybeRecorded(Guid tenant, string metric, DateTimeOffset periodEnd, long units) =>
        _uncertain.AddOrUpdate((tenant, metric, periodEnd), units, (_, v) => v + units);

    public long ConfirmedOf(Guid tenant, string metric, DateTimeOffset periodEnd) => _confirmed.GetValueOrDefault((tenant, metric, periodEnd));

    public long UncertainOf(Guid tenant, string metric, DateTimeOffset periodEnd) => _uncertain.GetValueOrDefault((tenant, metric, periodEnd));
}
