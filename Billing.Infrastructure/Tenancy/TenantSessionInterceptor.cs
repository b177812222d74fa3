using System.Data.Common;
using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// Chooses the role of each EF Core connection as it opens: inside a <see cref="TenantScope"/> the tenant's session
/// (<see cref="TenantSession"/>), otherwise <paramref name="roleOutsideTenantScope"/> when the service has one (the API's
/// operator role), or the login itself (the worker, the migration service). Both are taken off again before the
/// connection goes back to the pool.
/// </summary>
public sealed class TenantSessionInterceptor(string? roleOutsideTenantScope = null) : DbConnectionInterceptor
{
    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (TenantScope.Current is { } tenantId)
        {
            await TenantSession.EnterAsync(connection, tenantId, cancellationToken);
        }
        else if (roleOutsideTenantScope is not null)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SET ROLE {roleOutsideTenantScope}";
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
            command.CommandText = $"RESET ROLE; RESET {DatabaseRoles.TenantSetting};";
            await command.ExecuteNonQueryAsync();
        }

        return result;
    }

    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        ConnectionClosingAsync(connection, eventData, result).AsTask().GetAwaiter().GetResult();
}
