using System.Globalization;
using System.Text.Json;

namespace Billing.LoadGen;

/// <summary>
/// The requests a small product's backend would send: mostly API calls and completions, some agent runs, and now and
/// then a new storage or seat level, in a fixed cycle of request kinds so every endpoint is exercised every few seconds.
/// Event ids are this instance's run id and a counter: unique across restarts, so nothing sent is ever a duplicate.
/// </summary>
public sealed class DemoTraffic(int eventsPerBatch, int? seed = null)
{
    private static readonly LoadRequestKind[] Cycle =
    [
        LoadRequestKind.Batch, LoadRequestKind.Completion, LoadRequestKind.SingleEvent,
        LoadRequestKind.Consume, LoadRequestKind.Completion, LoadRequestKind.SingleEvent,
    ];

    private static readonly string[] Words =
        ["invoice", "meter", "tenant", "quota", "usage", "period", "plan", "token", "agent", "storage", "seat", "stripe", "report", "window"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Random _random = seed is { } s ? new Random(s) : new Random();
    private readonly object _lock = new();
    private long _requests;
    private long _sequence;
    private long _storageMb = 2_048;

    /// <summary>Drawn once per instance, so ids of two generators (or two runs of one) never meet.</summary>
    public string RunId { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>The next request of the cycle; safe to call from several senders.</summary>
    public LoadRequest Next()
    {
        lock (_lock)
        {
            var kind = Cycle[_requests++ % Cycle.Length];
            return kind switch
            {
                LoadRequestKind.Batch => Events(kind, [.. Enumerable.Range(0, eventsPerBatch).Select(i => BatchEvent(i))]),
                LoadRequestKind.SingleEvent => Events(kind, [CounterEvent(_random.Next(4) == 0 ? "agent_executions" : "api_calls", 1)]),
                LoadRequestKind.Completion => Completion(),
                LoadRequestKind.Consume => Consume(),
                _ => throw new InvalidOperationException($"No request for {kind}."),
            };
        }
    }

    private string NextId() => string.Create(CultureInfo.InvariantCulture, $"lg-{RunId}-{_sequence++:x}");

    private DemoEvent BatchEvent(int index) => (index % 10) switch
    {
        0 => GaugeEvent("storage_mb", _storageMb = Math.Clamp(_storageMb + _random.Next(-64, 129), 512, 60_000)),
        1 => GaugeEvent("user_seats", _random.Next(3, 21)),
        2 or 3 => CounterEvent("llm_tokens", _random.Next(100, 2_001)),
        4 => CounterEvent("agent_executions", _random.Next(1, 4)),
        _ => CounterEvent("api_calls", 1),
    };

    private DemoEvent CounterEvent(string metric, long value) => new(NextId(), metric, value);

    private DemoEvent GaugeEvent(string metric, long level) => new(NextId(), metric, level);

    private LoadRequest Events(LoadRequestKind kind, DemoEvent[] events) =>
        new(kind, "/api/v1/usage/events", JsonSerializer.Serialize(new { events }, Json), [.. events.Select(e => e.Id)]);

    private LoadRequest Completion()
    {
        var prompt = string.Join(' ', Enumerable.Range(0, _random.Next(5, 41)).Select(_ => Words[_random.Next(Words.Length)]));
        return new(LoadRequestKind.Completion, "/api/v1/llm/completions",
            JsonSerializer.Serialize(new { prompt, maxTokens = _random.Next(16, 129) }, Json), []);
    }

    private LoadRequest Consume()
    {
        var key = NextId();
        return new(LoadRequestKind.Consume, "/api/v1/entitlements/consume",
            JsonSerializer.Serialize(new { metric = "agent_executions", amount = 1, idempotencyKey = key }, Json), [ConsumedEventId(key)]);
    }

    /// <summary>The usage event id the API stores a consumption under (<c>EntitlementRequest.EventIdPrefix</c>).</summary>
    private static string ConsumedEventId(string key) => "consume:" + key;

    private sealed record DemoEvent(string Id, string Metric, long Value);
}
