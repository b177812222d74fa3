using System.Data.Common;
using Billing.Infrastructure.Data;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// Puts an open connection under row-level security for one tenant: the <c>billing_tenant</c> role with
/// <c>app.tenant_id</c> set, in one round trip. Every tenant request's connection goes through here, whether EF Core's
/// (<see cref="TenantSessionInterceptor"/>) or hand-written SQL's (<see cref="TenantConnections"/>).
/// </summary>
public static class TenantSession
{
    /// <summary>Enters the session; it lasts until the connection is reset or closed (or the transaction, if given, ends).</summary>
    public static async Task EnterAsync(DbConnection connection, Guid tenantId, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        // The tenant travels as a parameter: one statement text for every tenant, which PostgreSQL plans once.
        var setTenant = batch.CreateBatchCommand();
        setTenant.CommandText = $"SELECT set_config('{DatabaseRoles.TenantSetting}', $1, false)";
        var tenant = setTenant.CreateParameter();
        tenant.Value = tenantId.ToString();
        setTenant.Parameters.Add(tenant);
        batch.BatchCommands.Add(setTenant);
        var setRole = batch.CreateBatchCommand();
        setRole.CommandText = $"SET ROLE {DatabaseRoles.Tenant}";
        batch.BatchCommands.Add(setRole);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
