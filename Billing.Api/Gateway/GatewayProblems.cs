using Billing.Api.Problems;

namespace Billing.Api.Gateway;

/// <summary>The authorizer's own problems (quota denials are <see cref="Enforcement.QuotaProblems"/>'s).</summary>
internal static class GatewayProblems
{
    /// <summary>The gateway left out what the authorizer needs: a configuration error, which the gateway's failure policy then meets.</summary>
    public static IResult RequestInvalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.GatewayRequestInvalid, title: "Incomplete gateway request",
            detail: detail);

    public static IResult RouteRefused(string method, string path) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.GatewayRouteRefused, title: "Route not metered",
            detail: "No entry of Gateway:Routes matches this request and unmatched routes are refused (Gateway:UnmatchedRoutes=Refuse).",
            extensions: new Dictionary<string, object?> { ["method"] = method, ["path"] = path });

    public static IResult LeaseClosed(string leaseId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: ProblemTypes.GatewayLeaseClosed, title: "Lease closed",
            detail: "The lease is closed (by its final report, or by the API after it expired) or was never granted to this tenant: its reported "
                + "usage stays recorded and nothing more can be reported on it. Ask for a new lease.",
            extensions: new Dictionary<string, object?> { ["leaseId"] = leaseId });

    /// <summary>Redis holds the counters and the leases: without it nothing is granted, and the gateway's failure policy applies.</summary>
    public static IResult LeaseStoreUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = Enforcement.QuotaProblems.UsageNotRecordedRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.StoreUnavailable, title: "Lease store unavailable",
            detail: "Redis, which holds the usage counters and the leases, is unavailable: nothing was granted or moved. Retry after the time in Retry-After.");
    }
}
