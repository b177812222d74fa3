namespace Billing.Api.Auth;

/// <summary>Who may call an endpoint: the operator, or a tenant key (scoped to its own tenant).</summary>
public static class AuthPolicies
{
    public const string Operator = "operator";
    public const string Tenant = "tenant";
    public const string OperatorOrTenant = "operator-or-tenant";

    public const string RoleClaim = "billing:role";
    public const string TenantClaim = "billing:tenant";
    public const string KeyClaim = "billing:key";

    /// <summary>One claim per scope of a tenant key (<see cref="Infrastructure.Security.ApiScopes"/>).</summary>
    public const string ScopeClaim = "billing:scope";
}
