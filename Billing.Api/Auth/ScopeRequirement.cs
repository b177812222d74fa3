using Microsoft.AspNetCore.Authorization;

namespace Billing.Api.Auth;

/// <summary>The endpoint needs a tenant key holding <paramref name="Scope"/> (the operator holds every scope).</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>Meets a <see cref="ScopeRequirement"/> from the caller's scope claims.</summary>
public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasClaim(AuthPolicies.RoleClaim, AuthPolicies.Operator) || context.User.HasClaim(AuthPolicies.ScopeClaim, requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
