using System.Security.Claims;

namespace Billing.Api.Auth;

/// <summary>The caller of the current request, resolved once from its authenticated key.</summary>
public sealed class CurrentTenant(IHttpContextAccessor accessor)
{
    private readonly Lazy<(bool IsOperator, Guid? TenantId, Guid? KeyId)> _caller = new(() => Resolve(accessor.HttpContext?.User));

    public bool IsOperator => _caller.Value.IsOperator;

    /// <summary>The tenant of a tenant key; null for the operator.</summary>
    public Guid? TenantId => _caller.Value.TenantId;

    public Guid? KeyId => _caller.Value.KeyId;

    /// <summary>The scopes of a tenant key (the operator holds every scope and has no claims for them).</summary>
    public IReadOnlyList<string> Scopes => [.. accessor.HttpContext?.User.FindAll(AuthPolicies.ScopeClaim).Select(c => c.Value) ?? []];

    public bool HasScope(string scope) => IsOperator || accessor.HttpContext?.User.HasClaim(AuthPolicies.ScopeClaim, scope) == true;

    /// <summary>The tenant id of a tenant key; throws for callers without one (a policy should have stopped them).</summary>
    public Guid RequiredTenantId => TenantId ?? throw new InvalidOperationException("The caller is not a tenant.");

    /// <summary>Audit actor name: <c>operator</c> or <c>tenant-key:{id}</c>.</summary>
    public string Actor => IsOperator ? "operator" : $"tenant-key:{KeyId}";

    /// <summary>The operator sees every tenant; a tenant key sees only its own.</summary>
    public bool CanSee(Guid tenantId) => IsOperator || TenantId == tenantId;

    private static (bool, Guid?, Guid?) Resolve(ClaimsPrincipal? user)
    {
        var role = user?.FindFirstValue(AuthPolicies.RoleClaim);
        return (role == AuthPolicies.Operator,
            Guid.TryParse(user?.FindFirstValue(AuthPolicies.TenantClaim), out var tenant) ? tenant : null,
            Guid.TryParse(user?.FindFirstValue(AuthPolicies.KeyClaim), out var key) ? key : null);
    }
}
