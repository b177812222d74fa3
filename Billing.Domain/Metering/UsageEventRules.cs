using Billing.Domain.Catalog;

namespace Billing.Domain.Metering;

/// <summary>
/// The acceptance rules of <c>POST /usage/events</c>. Validation is all-or-nothing per request: any
/// error refuses the whole request, and the errors are keyed <c>events[i].field</c>.
/// </summary>
public static class UsageEventRules
{
    public const int MaxEventsPerRequest = 1000;
    public const int MaxIdLength = 100;
    public const long MaxValue = 1_000_000_000_000;

    /// <summary>The most an event's <c>properties</c> may take, as sent (UTF-8 bytes of the JSON object).</summary>
    public const int MaxPropertiesBytes = 4096;

    /// <summary>How deeply <c>properties</c> may nest: the object itself is level 1, each object or array inside one more.</summary>
    public const int MaxPropertiesDepth = 5;

    /// <summary>
    /// The most a counter may reach in one (tenant, metric, billing period), and so in any window or Stripe meter event of
    /// it: 2^53 − 1, the largest whole number a double holds exactly. Redis scripts (Lua) and the dashboard (JavaScript)
    /// compute in doubles, and PostgreSQL's <c>bigint</c> sums stay a thousand times below their own overflow.
    /// </summary>
    public const long MaxPeriodTotal = 9_007_199_254_740_991;

    /// <summary>Stripe refuses meter events older than this, so they could never be billed.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(35);

    /// <summary>Clock skew allowed for events stamped in the future (Stripe's own limit).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Checks every event; returns no errors when all are acceptable.
    /// </summary>
    /// <param name="subscriptionStart">Usage before the subscription began belongs to no billing period.</param>
    /// <param name="invoicedThrough">End of the last invoiced period: events before it belong to a closed invoice.</param>
    public static IReadOnlyDictionary<string, string[]> Validate(
        IReadOnlyList<UsageEventInput> events, DateTimeOffset now, DateTimeOffset subscriptionStart, DateTimeOffset? invoicedThrough)
    {
        var errors = new Dictionary<string, string[]>();
        if (events.Count == 0)
        {
            errors["events"] = ["At least one event is required."];
        }
        else if (events.Count > MaxEventsPerRequest)
        {
            errors["events"] = [$"At most {MaxEventsPerRequest} events are accepted per request; got {events.Count}."];
        }

        for (var i = 0; i < events.Count && events.Count <= MaxEventsPerRequest; i++)
        {
            foreach (var (field, message) in Check(events[i], now, subscriptionStart, invoicedThrough))
            {
                var key = $"events[{i}].{field}";
                errors[key] = errors.TryGetValue(key, out var existing) ? [.. existing, message] : [message];
            }
        }

        return errors;
    }

    /// <summary>
    /// Why <paramref name="id"/> cannot be an idempotency key, completing "The id …"; null when it can. Control characters
    /// (NUL, line breaks, escapes), invisible format characters (zero widths, bidirectional overrides, the BOM) and
    /// unpaired surrogates are refused: they break logs and PostgreSQL text, or make two different keys look alike.
    /// </summary>
    public static string? IdentifierProblem(string id)
    {
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"holds an unpaired surrogate (U+{(int)c:X4}) at position {i}.";
            }
            else if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                return $"must not contain control or invisible format characters; it holds U+{(int)c:X4} at position {i}.";
            }
        }

        return null;
    }

    private static IEnumerable<(string Field, string Message)> Check(UsageEventInput e, DateTimeOffset now, DateTimeOffset subscriptionStart, DateTimeOffset? invoicedThrough)
    {
        if (string.IsNullOrWhiteSpace(e.Id))
        {
            yield return ("id", "The id is required: it is the event's idempotency key.");
        }
        else if (e.Id.Length > MaxIdLength)
        {
            yield return ("id", $"The id must be at most {MaxIdLength} characters; it has {e.Id.Length}.");
        }
        else if (IdentifierProblem(e.Id) is { } problem)
        {
            yield return ("id", $"The id {problem}");
        }

        if (string.IsNullOrWhiteSpace(e.Metric))
        {
            yield return ("metric", "The metric is required.");
        }
        else if (!MetricKeys.TryParse(e.Metric, out _))
        {
            yield return ("metric", $"Unknown metric '{e.Metric}'; expected one of {string.Join(", ", MetricKeys.All.Select(m => m.ToKey()))}.");
        }

        switch (e.Value)
        {
            case null:
                yield return ("value", "The value is required.");
                break;
            case < 0:
                yield return ("value", "The value must not be negative.");
                break;
            case > MaxValue:
                yield return ("value", $"The value must be at most {MaxValue:N0}.");
                break;
        }

        if (e.Timestamp is { } timestamp)
        {
            if (timestamp < now - MaxAge)
            {
                yield return ("timestamp", "The timestamp is more than 35 days old; such usage can no longer be billed.");
            }
            else if (timestamp > now + MaxFutureSkew)
            {
                yield return ("timestamp", "The timestamp is more than 5 minutes in the future.");
            }
            else if (timestamp < subscriptionStart)
            {
                yield return ("timestamp", $"The timestamp is before the subscription started ({subscriptionStart:O}); no billing period contains it.");
            }
            else if (invoicedThrough is { } closed && timestamp < closed)
            {
                yield return ("timestamp", $"The period containing this timestamp has already been invoiced (through {closed:O}).");
            }
        }
    }
}
