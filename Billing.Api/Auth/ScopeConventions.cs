using Billing.Infrastructure.Security;

namespace Billing.Api.Auth;

/// <summary>API-key scopes as an endpoint convention, applied per route or per group.</summary>
public static class ScopeConventions
{
    /// <summary>
    /// Requires a tenant key holding <paramref name="scope"/> (one of <see cref="ApiScopes"/>) on every endpoint of the
    /// builder: <c>group.RequireScope(ApiScopes.Ingest)</c>. A key without it gets a 403 problem naming the scope, before
    /// the body is read or any quota is touched. The operator holds every scope.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="scope"/> is not a scope keys can hold.</exception>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
    {
        if (!ApiScopes.IsKnown(scope))
        {
            throw new ArgumentException($"'{scope}' is not a scope; keys hold {string.Join(", ", ApiScopes.All)}.", nameof(scope));
        }

        return builder.RequireAuthorization(policy => policy.AddRequirements(new ScopeRequirement(scope)));
    }
}
