using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// Puts each EF Core connection opened inside a <see cref="TenantScope"/> under row-level security
/// (<c>SET ROLE billing_tenant</c>, <c>app.tenant_id</c>), and takes both off again before the
/// connection goes back to the pool, where the worker or the operator may pick it up next.
/// </summary>
public sealed class TenantSessionInterceptor : DbConnectionInterceptor
{
    public const string Role = "billing_tenant";

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (TenantScope.Current is { } tenantId)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT set_config('app.tenant_id', '{tenantId}', false); SET ROLE {Role};";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        ConnectionOpenedAsync(connection, eventData).GetAwaiter().GetResult();

    public override async ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        if (connection.State == System.Data.ConnectionState.Open)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "RESET ROLE; RESET app.tenant_id;";
            await command.ExecuteNonQueryAsync();
        }

        return result;
    }

    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        ConnectionClosingAsync(connection, eventData, result).AsTask().GetAwaiter().GetResult();
}
