using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Microsoft.Net.Http.Headers;

namespace Billing.Api.Problems;

/// <summary>RFC 9457 problem bodies for every error, including requests the framework cannot bind.</summary>
public static class ProblemDetailsExtensions
{
    /// <summary>Problem details with the request's trace id; unreadable requests explain themselves.</summary>
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                ValidationErrorKeys.CamelCase(validation.Errors);
                var total = ValidationErrorLimit.Apply(validation.Errors);
                context.ProblemDetails.Extensions["errorCount"] = total;
                if (total > ValidationErrorLimit.MaxErrors)
                {
                    context.ProblemDetails.Extensions["errorsShown"] = ValidationErrorLimit.MaxErrors;
                }
            }

            // Only the framework's own bad-request messages are shown; other exceptions keep their details private.
            if (context.Exception is BadHttpRequestException badRequest)
            {
                context.ProblemDetails.Detail = badRequest.Message;
            }

            if (context.Exception is QuotaDecisionUnavailableException unavailable)
            {
                context.ProblemDetails.Type = ProblemTypes.StoreUnavailable;
                context.ProblemDetails.Title = "Quota decision unavailable";
                context.ProblemDetails.Detail = unavailable.Message;
                context.HttpContext.Response.Headers.RetryAfter =
                    ((long)Math.Ceiling(QuotaDecisionUnavailableException.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (context.Exception is { } failure && PostgresFailures.IsUnavailable(failure))
            {
                context.ProblemDetails.Type = ProblemTypes.StoreUnavailable;
                context.ProblemDetails.Title = "Database unavailable";
                context.ProblemDetails.Detail = "The database could not be reached to complete the request; retry shortly.";
            }

            // Every store-unavailable answer tells the client when to try again (ingestion, consumption, metered routes).
            if (context.ProblemDetails.Type == ProblemTypes.StoreUnavailable && !context.HttpContext.Response.Headers.ContainsKey(HeaderNames.RetryAfter))
            {
                context.HttpContext.Response.Headers.RetryAfter = StoreUnavailableRetryAfterSeconds;
            }
        });

    /// <summary>About what PostgreSQL takes to restart.</summary>
    private const string StoreUnavailableRetryAfterSeconds = "5";

    /// <summary>
    /// Unhandled exceptions become 500 problems; malformed requests (bad JSON, wrong types) their own 4xx; a quota that
    /// could not be decided in time (Redis down, the PostgreSQL fallback saturated), or PostgreSQL unreachable, a 503 with
    /// <c>Retry-After</c>.
    /// </summary>
    public static WebApplication UseApiExceptionHandler(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException badRequest => badRequest.StatusCode,
                QuotaDecisionUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ when PostgresFailures.IsUnavailable(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            // An expected refusal under an outage (the ledger logs the outage), not an unhandled error.
            SuppressDiagnosticsCallback = context => context.Exception is QuotaDecisionUnavailableException,
        });
        return app;
    }
}
