using System.Globalization;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;
using Microsoft.Extensions.Primitives;

namespace Billing.Api.Enforcement;

/// <summary>The <c>X-Quota-*</c> headers of a metered response.</summary>
public static class QuotaHeaders
{
    public const string Metric = "X-Quota-Metric";
    public const string Limit = "X-Quota-Limit";
    public const string Used = "X-Quota-Used";
    public const string Remaining = "X-Quota-Remaining";
    public const string Reset = "X-Quota-Reset";
    public const string Warning = "X-Quota-Warning";

    /// <summary>One metric's decision and what this request consumed of it.</summary>
    public sealed record Entry(QuotaDecision Decision, long Consumed, DateTimeOffset ResetAt);

    /// <summary>
    /// Sets the headers to the state after this request's consumption (the limit is the hard limit, or the included
    /// quantity for soft caps). A route under several quotas carries one value per metric in each header, in the same
    /// order. They are set, not appended, so a quota given back later (another quota refused the request) is shown so.
    /// </summary>
    public static void Write(IHeaderDictionary headers, IReadOnlyList<Entry> entries, string? standingWarning)
    {
        headers[Metric] = Join(entries, e => e.Decision.Metric.ToKey());
        headers[Limit] = Join(entries, e => Number(LimitOf(e.Decision)));
        headers[Used] = Join(entries, e => Number(e.Decision.Used + e.Consumed));
        headers[Remaining] = Join(entries, e => Number(Math.Max(0, LimitOf(e.Decision) - e.Decision.Used - e.Consumed)));
        headers[Reset] = Join(entries, e => ResetValue(e.ResetAt));
        string[] warnings =
        [
            .. entries.Where(e => e.Decision.Kind == QuotaDecisionKind.Warn && e.Decision.Reason is not null).Select(e => e.Decision.Reason!),
            .. standingWarning is null ? [] : new[] { standingWarning },
        ];
        if (warnings.Length > 0)
        {
            headers[Warning] = warnings;
        }
        else
        {
            headers.Remove(Warning);
        }
    }

    /// <summary>An <c>X-Quota-Reset</c> value: the end of the period, UTC, to the second.</summary>
    public static string ResetValue(DateTimeOffset resetAt) => resetAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static long LimitOf(QuotaDecision decision) => decision.Limit ?? decision.Included;

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static StringValues Join(IReadOnlyList<Entry> entries, Func<Entry, string> value) => new([.. entries.Select(value)]);
}
