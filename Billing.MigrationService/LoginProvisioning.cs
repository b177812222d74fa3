using Billing.Infrastructure;
using Billing.Infrastructure.Data;
using Npgsql;

namespace Billing.MigrationService;

/// <summary>
/// Given an admin connection (<c>ConnectionStrings:billingdb-admin</c>, a superuser: the AppHost's local database, a
/// fresh cluster), creates or updates the database roles and logins and hands the database to its owner before the
/// migrations run. Without one the logins are an operator's to create (docs/security.md), and this does nothing.
/// </summary>
public sealed class LoginProvisioning(IConfiguration configuration, ILogger<LoginProvisioning> logger)
{
    public const string AdminConnectionName = "billingdb-admin";
    public const string SectionName = "DatabaseLogins";

    public async Task RunIfConfiguredAsync(CancellationToken cancellationToken)
    {
        var admin = configuration.GetConnectionString(AdminConnectionName);
        if (string.IsNullOrWhiteSpace(admin))
        {
            logger.LogInformation("No ConnectionStrings:{Name}: the database logins are expected to exist already", AdminConnectionName);
            return;
        }

        var owner = new NpgsqlConnectionStringBuilder(InfrastructureRegistration.DatabaseConnectionString(configuration, InfrastructureRegistration.OwnerConnectionName));
        var passwords = new DatabaseLogins.Passwords(
            owner.Username ?? throw new InvalidOperationException($"ConnectionStrings:{InfrastructureRegistration.OwnerConnectionName} names no user."),
            owner.Password ?? throw new InvalidOperationException($"ConnectionStrings:{InfrastructureRegistration.OwnerConnectionName} has no password."),
            Required("ApiPassword"),
            Required("WorkerPassword"));
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await DatabaseLogins.ProvisionAsync(connection, passwords, cancellationToken);
        logger.LogInformation("Database logins provisioned: {Owner} (owner), {Api}, {Worker}", passwords.Owner, DatabaseRoles.Api, DatabaseRoles.Worker);
    }

    private string Required(string key) =>
        configuration[$"{SectionName}:{key}"] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{SectionName}:{key} must be set when ConnectionStrings:{AdminConnectionName} is.");
}
