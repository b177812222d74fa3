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
        });

    /// <summary>Unhandled exceptions become 500 problems; malformed requests (bad JSON, wrong types) their own 4xx.</summary>
    public static WebApplication UseApiExceptionHandler(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException badRequest
                ? badRequest.StatusCode
                : StatusCodes.Status500InternalServerError,
        });
        return app;
    }
}
