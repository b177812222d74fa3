using Npgsql;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// Connections for hand-written SQL on tenant tables, under the same rule as EF Core's: inside a <see cref="TenantScope"/>
/// the connection is the scope's tenant session, so a query sees that tenant's rows whatever its own filter says.
/// Outside a scope it is the service's login as it is: for the API, whose login reaches no tenant table, an error
/// rather than every tenant's rows.
/// </summary>
/// <remarks>
/// The session ends when the connection goes back to the pool, where Npgsql resets it (<c>SET SESSION AUTHORIZATION
/// DEFAULT</c>, <c>RESET ALL</c>); the data source forbids turning that reset off.
/// </remarks>
public static class TenantConnections
{
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (TenantScope.Current is { } tenantId)
        {
            try
            {
                await TenantSession.EnterAsync(connection, tenantId, cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        return connection;
    }
}
