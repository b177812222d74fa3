namespace Billing.AppHost.Infrastructure;

/// <summary>
/// The database logins the services connect as (docs/security.md, "Database roles"): the schema's owner for the
/// migration service alone, and one login each for the API and the worker, which own nothing and bypass nothing.
/// Their passwords are generated once into the data folder's secrets, as the superuser's is; the migration service,
/// given the superuser's connection, creates the logins with them before the services start.
/// </summary>
public sealed class DatabaseLogins(
    ReferenceExpression server,
    IResourceBuilder<ParameterResource> ownerPassword,
    IResourceBuilder<ParameterResource> apiPassword,
    IResourceBuilder<ParameterResource> workerPassword)
{
    // The names the migration service's provisioning gives them (Billing.Infrastructure's DatabaseRoles).
    public const string OwnerLogin = "billing_owner";
    public const string ApiLogin = "billing_api";
    public const string WorkerLogin = "billing_worker";

    /// <summary>Adds the three passwords as secret parameters, read from (or generated into) <paramref name="dataDirectory"/>.</summary>
    /// <param name="server">The server's <c>Host=…;Port=…</c>.</param>
    public static DatabaseLogins Add(IDistributedApplicationBuilder builder, string dataDirectory, ReferenceExpression server) =>
        Create(server, name => builder.AddParameter(name, LocalSecrets.GetOrCreate(dataDirectory, name).Value, secret: true));

    /// <summary>
    /// For a deployment (azd, the manifest): passwords the deployment tool generates and keeps, never this machine's
    /// local secrets.
    /// </summary>
    public static DatabaseLogins Generate(IDistributedApplicationBuilder builder, ReferenceExpression server) =>
        Create(server, name => GeneratedPassword(builder, name));

    /// <summary>A secret parameter the deployment tool generates: 32 letters and digits.</summary>
    public static IResourceBuilder<ParameterResource> GeneratedPassword(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);

    private static DatabaseLogins Create(ReferenceExpression server, Func<string, IResourceBuilder<ParameterResource>> password) =>
        new(server, password("billing-owner-password"), password("billing-api-password"), password("billing-worker-password"));

    public ReferenceExpression Owner => ConnectionString(OwnerLogin, ownerPassword);

    public ReferenceExpression Api => ConnectionString(ApiLogin, apiPassword);

    public ReferenceExpression Worker => ConnectionString(WorkerLogin, workerPassword);

    public IResourceBuilder<ParameterResource> ApiPassword => apiPassword;

    public IResourceBuilder<ParameterResource> WorkerPassword => workerPassword;

    private ReferenceExpression ConnectionString(string login, IResourceBuilder<ParameterResource> password) =>
        ReferenceExpression.Create($"{server};Username={login};Password={password};Database={BillingInfrastructure.DatabaseName}");
}
