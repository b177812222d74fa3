using System.Globalization;
using Billing.Api.Problems;
using Billing.Domain.Metering;
using Billing.Infrastructure.Metering;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Api.Usage;

/// <summary>The answers to usage that ingestion does not admit: over the tenant's budget, or past a period's total.</summary>
public static class IngestionProblems
{
    /// <summary>429 with <c>Retry-After</c>: the bucket holds the request's events again after that many seconds.</summary>
    public static ProblemHttpResult OverBudget(HttpContext context, IngestionAdmission.OverBudget over, int events)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(over.RetryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.IngestionBudgetExceeded,
            title: "Ingestion budget exceeded",
            detail: $"This tenant may send {over.Budget.EventsPerSecond} usage events a second, in bursts of up to {over.Budget.Burst}; "
                + $"these {events} events fit again in {seconds} s. Nothing of this request was stored.",
            extensions: new Dictionary<string, object?>
            {
                ["eventsPerSecond"] = over.Budget.EventsPerSecond,
                ["burst"] = over.Budget.Burst,
                ["events"] = events,
            });
    }

    /// <summary>400: retrying cannot help before the next period, so the client must not be told to.</summary>
    public static ProblemHttpResult OverPeriodTotal(string metric, DateTimeOffset periodStart, long used, long adding) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.PeriodTotalExceeded,
            title: "Period total exceeded",
            detail: $"{metric} for the billing period starting {periodStart:O} holds {used:N0}; adding {adding:N0} would pass "
                + $"{UsageEventRules.MaxPeriodTotal:N0}, the most one period may hold. Nothing of this request was stored.",
            extensions: new Dictionary<string, object?>
            {
                ["metric"] = metric,
                ["periodStart"] = periodStart,
                ["used"] = used,
                ["adding"] = adding,
                ["limit"] = UsageEventRules.MaxPeriodTotal,
            });
}
