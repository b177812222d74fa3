using System.Diagnostics;
using Billing.Infrastructure.Data;
using Npgsql;

namespace Billing.Testing;

/// <summary>
/// A real PostgreSQL server for tests, run by the AppHost's <c>postgres.sh</c>, with the database logins the services use
/// in production (<see cref="DatabaseLogins"/>), so the services under test hold exactly the privileges they would there.
/// </summary>
public sealed class PostgresServer() : LocalServerProcess("postgres")
{
    public DatabaseLogins.Passwords Logins { get; } = new(DatabaseRoles.Owner, NewPassword(), NewPassword(), NewPassword());

    /// <summary>The superuser's connection: the tests' own view, which sees every row.</summary>
    public string ConnectionString(string database = "postgres") => Login(database, "postgres", Password);

    public string Login(string database, string login, string password) =>
        $"Host=127.0.0.1;Port={Port};Username={login};Password={password};Database={database};Include Error Detail=true";

    /// <summary>Creates the roles and logins, as an operator does once per cluster.</summary>
    public async Task CreateLoginsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await DatabaseLogins.CreateRolesAsync(connection, Logins, CancellationToken.None);
    }

    /// <summary>Creates an empty database with a unique name, owned by the owner's login, and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER {Logins.Owner}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
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
