using Billing.Infrastructure.Tenancy;

namespace Billing.Api.Auth;

/// <summary>Runs the rest of a tenant key's request inside its <see cref="TenantScope"/> (row-level security on).</summary>
public static class TenantScopeExtensions
{
    /// <summary>After authentication: tenant callers' database work is confined to their own rows by PostgreSQL itself.</summary>
    public static WebApplication UseTenantScope(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (Guid.TryParse(context.User.FindFirst(AuthPolicies.TenantClaim)?.Value, out var tenantId))
            {
                using (TenantScope.Enter(tenantId))
                {
                    await next(context);
                }
            }
            else
            {
                await next(context);
            }
        });
        return app;
    }
}
