namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// The tenant whose request is running (flows with the async context). While it is set, every connection opened for
/// tenant tables (EF Core's, and hand-written SQL's through <see cref="TenantConnections"/>) runs as the
/// <c>billing_tenant</c> role with <c>app.tenant_id</c> set, so PostgreSQL's row-level security hides other tenants'
/// rows even from a query that forgets its filter.
/// </summary>
public static class TenantScope
{
    private static readonly AsyncLocal<Guid?> Tenant = new();

    public static Guid? Current => Tenant.Value;

    /// <summary>Enters the tenant's scope until the returned handle is disposed.</summary>
    public static IDisposable Enter(Guid tenantId)
    {
        var previous = Tenant.Value;
        Tenant.Value = tenantId;
        return new Exit(previous);
    }

    private sealed class Exit(Guid? previous) : IDisposable
    {
        public void Dispose() => Tenant.Value = previous;
    }
}
