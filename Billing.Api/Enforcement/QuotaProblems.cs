using System.Globalization;
using Billing.Api.Problems;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Api.Enforcement;

/// <summary>The problem responses of enforcement: 429 over quota, 402 for an inactive subscription, 503 for usage nothing could record.</summary>
public static class QuotaProblems
{
    /// <summary>Seconds a client is asked to wait after <see cref="UsageNotRecorded"/>: about what PostgreSQL takes to restart.</summary>
    public const int UsageNotRecordedRetryAfterSeconds = 5;

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

    /// <summary>
    /// 503 with <c>Retry-After</c>: the usage buffer and the usage stream are full (or Redis is down) and PostgreSQL did
    /// not take the request's usage either. Nothing was charged and the reservations were given back.
    /// </summary>
    public static IResult UsageNotRecorded(HttpContext context)
    {
        context.Response.Headers.RetryAfter = UsageNotRecordedRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            type: ProblemTypes.StoreUnavailable,
            title: "Usage store unavailable",
            detail: "The request's usage could not be recorded (the usage buffer and stream are full or unavailable, and so is PostgreSQL), "
                + "so it was not charged. Retry after the time in Retry-After.");
    }
}
