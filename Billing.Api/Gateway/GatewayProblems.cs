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
}
