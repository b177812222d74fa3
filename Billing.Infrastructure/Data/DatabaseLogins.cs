using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Billing.Infrastructure.Data;

/// <summary>
/// Creates (or brings up to date) the roles of <see cref="DatabaseRoles"/> and hands the billing database to its owner,
/// as a superuser does once per cluster. Roles are the cluster's, not the database's, and creating them takes more than
/// the owner may hold (<c>CREATEROLE</c>, and a superuser for <c>BYPASSRLS</c>), so the migrations only grant to them.
/// Passwords reach the server as SCRAM-SHA-256 verifiers: no statement, server log line or error message carries one.
/// </summary>
public static class DatabaseLogins
{
    /// <param name="Owner">The owner's login name (the migration service's connection names it).</param>
    public sealed record Passwords(string Owner, string OwnerPassword, string ApiPassword, string WorkerPassword);

    /// <summary>Creates the roles, then makes the owner own the database and every table in it.</summary>
    /// <param name="admin">A superuser's open connection to the billing database.</param>
    public static async Task ProvisionAsync(NpgsqlConnection admin, Passwords passwords, CancellationToken cancellationToken)
    {
        await CreateRolesAsync(admin, passwords, cancellationToken);
        await HandOverDatabaseAsync(admin, passwords.Owner, cancellationToken);
    }

    /// <summary>The roles and their memberships; passwords and attributes are set again on every run, so drift is undone.</summary>
    public static async Task CreateRolesAsync(NpgsqlConnection admin, Passwords passwords, CancellationToken cancellationToken)
    {
        const string runtime = "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION";
        var statements = new StringBuilder()
            .Append(Role(PlainName(passwords.Owner), $"LOGIN INHERIT {runtime} PASSWORD '{ScramVerifier(passwords.OwnerPassword)}'"))
            // NOINHERIT: the API's login holds none of its roles' privileges until it sets one, so a connection that
            // forgot to choose a role, or left one with RESET ROLE, reaches no tenant table.
            .Append(Role(DatabaseRoles.Api, $"LOGIN NOINHERIT {runtime} PASSWORD '{ScramVerifier(passwords.ApiPassword)}'"))
            .Append(Role(DatabaseRoles.Worker, $"LOGIN NOINHERIT {runtime} PASSWORD '{ScramVerifier(passwords.WorkerPassword)}'"))
            .Append(Role(DatabaseRoles.Tenant, $"NOLOGIN {runtime}"))
            .Append(Role(DatabaseRoles.Operator, $"NOLOGIN {runtime}"))
            .Append(Role(DatabaseRoles.Ingest, "NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"))
            .Append($"GRANT {DatabaseRoles.Tenant}, {DatabaseRoles.Operator}, {DatabaseRoles.Ingest} TO {DatabaseRoles.Api};");
        await using var command = new NpgsqlCommand(statements.ToString(), admin);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The owner owns the database, and takes over what an earlier version created as another login (the superuser),
    /// so the next migration can alter it.
    /// </summary>
    public static async Task HandOverDatabaseAsync(NpgsqlConnection admin, string owner, CancellationToken cancellationToken)
    {
        var ownerLogin = PlainName(owner);
        await using var command = new NpgsqlCommand($$"""
            DO $$
            DECLARE
              r record;
            BEGIN
              EXECUTE format('ALTER DATABASE %I OWNER TO {{ownerLogin}}', current_database());
              IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'hangfire') THEN
                ALTER SCHEMA hangfire OWNER TO {{ownerLogin}};
              END IF;
              -- Sequences of identity and serial columns follow their tables.
              FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname IN ('public', 'hangfire') AND c.relkind IN ('r', 'p', 'S')
                         AND c.relowner <> '{{ownerLogin}}'::regrole
                         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
              LOOP
                EXECUTE format('ALTER TABLE %s OWNER TO {{ownerLogin}}', r.name);
              END LOOP;
            END $$;
            """, admin);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A role name that needs no quoting, so it can stand in statements as it is.</summary>
    private static string PlainName(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z_][a-z0-9_]{0,62}$")
            ? name
            : throw new ArgumentException($"The owner's login '{name}' must be a lower-case name of letters, digits and underscores.", nameof(name));

    private static string Role(string name, string attributes) => $"""
        DO $$ BEGIN CREATE ROLE {name}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
        ALTER ROLE {name} {attributes};

        """;

    /// <summary>
    /// The verifier PostgreSQL stores for a password (RFC 5802, 7677): <c>SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey</c>.
    /// Given one, the server keeps it as it is instead of hashing a plain password it was sent.
    /// </summary>
    public static string ScramVerifier(string password)
    {
        // SASLprep leaves printable ASCII unchanged; anything else would need the full profile to match the client's.
        if (password.Length == 0 || password.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException("Database passwords must be printable ASCII without spaces.", nameof(password));
        }

        const int iterations = 4096;
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var storedKey = SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8));
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
