using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Billing.Api.Auth;

/// <summary>
/// Answers a key that lacks a <see cref="ScopeRequirement"/> with a 403 problem naming the scope (and RFC 6750's
/// <c>insufficient_scope</c>); every other authorization outcome is handled as the framework does.
/// </summary>
public sealed class InsufficientScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var missing = authorizeResult.Forbidden
            ? authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault()
            : null;
        if (missing is null)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{missing.Scope}\"";
        await ScopeProblems.Insufficient(missing.Scope, context.User.FindAll(AuthPolicies.ScopeClaim).Select(c => c.Value)).ExecuteAsync(context);
    }
}
