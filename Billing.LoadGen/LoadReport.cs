namespace Billing.LoadGen;

/// <summary>
/// What the API answered, per request kind, and the ids of the events it accepted (up to a bound; past it only counts,
/// and <see cref="LoadSummary.IdsComplete"/> says so). Completions are counted with the tokens the route reported: their
/// usage event ids are the server's.
/// </summary>
public sealed class LoadReport(int maxRecordedIds)
{
    private readonly object _lock = new();
    private readonly HashSet<string> _acceptedIds = [];
    private readonly Dictionary<LoadRequestKind, KindCounts> _kinds = Enum.GetValues<LoadRequestKind>().ToDictionary(k => k, _ => new KindCounts());
    private long _acceptedEvents;
    private long _completionTokens;
    private bool _idsComplete = true;
    private string? _lastRefusal;

    /// <summary>The API stored these events (accepted now, or found already stored by an earlier attempt of the same request).</summary>
    public void Accepted(LoadRequestKind kind, IEnumerable<string> eventIds, long completionTokens = 0)
    {
        lock (_lock)
        {
            _kinds[kind].Accepted++;
            _completionTokens += completionTokens;
            foreach (var id in eventIds)
            {
                _acceptedEvents++;
                if (_acceptedIds.Count < maxRecordedIds)
                {
                    _acceptedIds.Add(id);
                }
                else
                {
                    _idsComplete = false;
                }
            }
        }
    }

    /// <summary>The API answered with a problem (a 4xx: a quota, the rate limit, the ingestion budget): nothing was stored.</summary>
    public void Refused(LoadRequestKind kind, string problem)
    {
        lock (_lock)
        {
            _kinds[kind].Refused++;
            _lastRefusal = problem;
        }
    }

    /// <summary>No answer, or a 5xx: whether anything was stored is not known.</summary>
    public void Failed(LoadRequestKind kind, string problem)
    {
        lock (_lock)
        {
            _kinds[kind].Failed++;
            _lastRefusal = problem;
        }
    }

    public LoadSummary Summary()
    {
        lock (_lock)
        {
            return new LoadSummary(
                _kinds.ToDictionary(k => k.Key, k => new LoadKindSummary(k.Value.Accepted, k.Value.Refused, k.Value.Failed)),
                _acceptedEvents, new HashSet<string>(_acceptedIds), _idsComplete, _completionTokens, _lastRefusal);
        }
    }

    private sealed class KindCounts
    {
        public long Accepted;
        public long Refused;
        public long Failed;
    }
}

/// <param name="AcceptedEvents">Client-named events stored (batches, single events, consumptions).</param>
/// <param name="AcceptedIds">Their ids, all of them when <paramref name="IdsComplete"/>.</param>
/// <param name="CompletionTokens">The tokens of the accepted completions, which the route records as <c>llm_tokens</c>.</param>
public sealed record LoadSummary(
    IReadOnlyDictionary<LoadRequestKind, LoadKindSummary> Kinds,
    long AcceptedEvents,
    IReadOnlySet<string> AcceptedIds,
    bool IdsComplete,
    long CompletionTokens,
    string? LastProblem)
{
    public long Requests => Kinds.Values.Sum(k => k.Accepted + k.Refused + k.Failed);

    public long Failed => Kinds.Values.Sum(k => k.Failed);

    public override string ToString() =>
        $"{Requests:N0} requests ({string.Join(", ", Kinds.Select(k => $"{k.Key}: {k.Value}"))}), {AcceptedEvents:N0} events stored, "
        + $"{CompletionTokens:N0} completion tokens" + (LastProblem is null ? "" : $"; last problem: {LastProblem}");
}

public sealed record LoadKindSummary(long Accepted, long Refused, long Failed)
{
    public override string ToString() => $"{Accepted:N0} accepted, {Refused:N0} refused, {Failed:N0} failed";
}
