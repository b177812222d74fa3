using System.Diagnostics;
using Npgsql;

namespace Billing.Testing;

/// <summary>A real PostgreSQL server for tests, run by the AppHost's <c>postgres.sh</c>.</summary>
public sealed class PostgresServer() : LocalServerProcess("postgres")
{
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database};Include Error Detail=true";

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    protected override ProcessStartInfo StartInfo() =>
        new("bash", [RepositoryPaths.LocalProcessScript("postgres.sh"), Path.Combine(DataDirectory, "pg"), Port.ToString(System.Globalization.CultureInfo.InvariantCulture), PasswordFile, "billingdb"]);

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString() + ";Timeout=2;Pooling=false");
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }

    protected override Task AfterStopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}
