using System.Globalization;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;

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

    /// <summary>
    /// Appends the state after this request's consumption (the limit is the hard limit, or the included quantity for soft
    /// caps). A route under several quotas carries one value per metric in each header, in the same order.
    /// </summary>
    public static void Write(IHeaderDictionary headers, QuotaDecision decision, long consumed, DateTimeOffset resetAt)
    {
        var used = decision.Used + consumed;
        var limit = decision.Limit ?? decision.Included;
        headers.Append(Metric, decision.Metric.ToKey());
        headers.Append(Limit, limit.ToString(CultureInfo.InvariantCulture));
        headers.Append(Used, used.ToString(CultureInfo.InvariantCulture));
        headers.Append(Remaining, Math.Max(0, limit - used).ToString(CultureInfo.InvariantCulture));
        headers.Append(Reset, resetAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        if (decision.Kind == QuotaDecisionKind.Warn && decision.Reason is { } reason)
        {
            headers.Append(Warning, reason);
        }
    }
}
