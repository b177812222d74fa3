using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>Tells failures caused by the rows a statement carried from failures of the database itself.</summary>
public static class PostgresFailures
{
    /// <summary>
    /// Data exceptions (class 22: a number out of range, text the encoding cannot hold), integrity violations (23) and
    /// program limits (54: a row or index entry too large) fail the same way however often the same rows are sent: a
    /// retry is useless, and the rows must be refused or set aside. Everything else (connections, deadlocks, a database
    /// shutting down or out of resources) may pass on a retry.
    /// </summary>
    public static bool IsCausedByData(PostgresException e) =>
        e.SqlState.StartsWith("22", StringComparison.Ordinal)
        || e.SqlState.StartsWith("23", StringComparison.Ordinal)
        || e.SqlState.StartsWith("54", StringComparison.Ordinal);

    /// <summary>
    /// PostgreSQL could not be reached or could not serve the statement (connection refused or lost, a timeout, the pool
    /// exhausted, the server shutting down), as opposed to a statement it refused: a retry later may pass.
    /// </summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException postgres => postgres.IsTransient,
        NpgsqlException => true,
        TimeoutException => true,
        _ when e.InnerException is not null => IsUnavailable(e.InnerException),
        _ => false,
    };
}
