namespace Billing.AppHost.Infrastructure;

/// <summary>A PostgreSQL server run as a local process, exposing the same connection string a container would.</summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, ParameterResource password, string databaseName)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    /// <summary>Where it listens: <c>Host=…;Port=…</c>.</summary>
    public ReferenceExpression Server => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.IPV4Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)}");

    /// <summary>The superuser's connection: the migration service's admin connection, which creates the logins.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Server};Username=postgres;Password={password};Database={databaseName}");
}
