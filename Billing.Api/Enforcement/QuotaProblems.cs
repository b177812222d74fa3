using System.Globalization;
using Billing.Api.Problems;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Api.Enforcement;

/// <summary>The problem responses of enforcement: 429 over quota, 402 for an inactive subscription.</summary>
public static class QuotaProblems
{
    public static IResult QuotaExceeded(HttpContext context, QuotaDecision decision, DateTimeOffset resetAt, DateTimeOffset now)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling((resetAt - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            type: ProblemTypes.QuotaExceeded,
            title: "Quota exceeded",
            detail: decision.Reason,
            extensions: new Dictionary<string, object?>
            {
                ["metric"] = decision.Metric.ToKey(),
                ["limit"] = decision.Limit,
                ["used"] = decision.Used,
                ["resetAt"] = resetAt,
            });
    }

    public static ProblemHttpResult SubscriptionInactive(Metric metric) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status402PaymentRequired,
            type: ProblemTypes.SubscriptionInactive,
            title: "Subscription inactive",
            detail: "The subscription is cancelled or suspended; metered requests are refused until it is active again.",
            extensions: new Dictionary<string, object?> { ["metric"] = metric.ToKey() });
}
