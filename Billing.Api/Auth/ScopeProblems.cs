using Billing.Api.Problems;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Api.Auth;

/// <summary>The 403 problem of a key without the scope it needs, naming that scope and the ones the key holds.</summary>
public static class ScopeProblems
{
    public static ProblemHttpResult Insufficient(string requiredScope, IEnumerable<string> keyScopes)
    {
        var held = ApiScopes.Normalize(keyScopes);
        return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.InsufficientScope, title: "Insufficient scope",
            detail: $"This API key lacks the '{requiredScope}' scope this needs; it holds {(held.Length == 0 ? "none" : string.Join(", ", held))}. "
                + "Use a key with that scope, or create one (POST /api/v1/api-keys with \"scopes\") from a key holding 'manage' and that scope.",
            extensions: new Dictionary<string, object?> { ["requiredScope"] = requiredScope, ["keyScopes"] = held });
    }
}
