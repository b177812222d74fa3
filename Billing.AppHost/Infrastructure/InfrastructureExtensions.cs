using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Billing.AppHost.Infrastructure;

/// <summary>
/// PostgreSQL and Redis, as containers when a container engine answers and as local processes
/// otherwise. Services receive the same connection-string names either way.
/// </summary>
public static class InfrastructureExtensions
{
    /// <summary>Configuration key forcing the mode: <c>containers</c>, <c>local</c> or <c>auto</c> (default).</summary>
    public const string ModeKey = "Infrastructure:Mode";

    /// <summary>
    /// Configuration key: <c>true</c> runs Redis as a local Redis Cluster (three primaries, three replicas) instead of
    /// one server, and splits the usage stream into <see cref="ClusterStreamShards"/> shards. Local mode only.
    /// </summary>
    public const string RedisClusterKey = "Infrastructure:RedisCluster";

    /// <summary>Configuration key for the cluster's first client port (default 7001; the six nodes take it and the next five, bus ports +10000).</summary>
    public const string RedisClusterPortKey = "Infrastructure:RedisClusterPort";

    /// <summary>Usage stream shards on the local cluster: two per primary.</summary>
    public const int ClusterStreamShards = 6;

    /// <summary>Configuration key for the local data folder (default: <c>.data/</c> at the repository root).</summary>
    public const string DataDirectoryKey = "Infrastructure:DataDirectory";

    /// <summary>Adds PostgreSQL (database <c>billingdb</c>) and Redis in the mode this machine supports.</summary>
    public static BillingInfrastructure AddBillingInfrastructure(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return AddPublishedContainers(builder);
        }

        var (mode, reason) = ChooseMode(builder.Configuration[ModeKey]);
        var cluster = string.Equals(builder.Configuration[RedisClusterKey], "true", StringComparison.OrdinalIgnoreCase);
        if (cluster && mode == InfrastructureMode.Containers)
        {
            throw new InvalidOperationException($"{RedisClusterKey}=true runs the cluster as local processes: set {ModeKey}=local as well.");
        }

        var dataDirectory = Path.GetFullPath(builder.Configuration[DataDirectoryKey]
            ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Billing.AppHost.Infrastructure")
                .LogInformation("Infrastructure mode: {Mode} ({Reason}); local data folder {DataDirectory}", mode, reason, dataDirectory);
            return Task.CompletedTask;
        });

        var postgresSecret = LocalSecrets.GetOrCreate(dataDirectory, "postgres-password");
        var redisSecret = LocalSecrets.GetOrCreate(dataDirectory, "redis-password");
        var postgresPassword = builder.AddParameter("postgres-password", postgresSecret.Value, secret: true);
        var redisPassword = builder.AddParameter("redis-password", redisSecret.Value, secret: true);

        return mode == InfrastructureMode.Containers
            ? AddContainers(builder, dataDirectory, postgresPassword, redisPassword)
            : AddLocalProcesses(builder, dataDirectory, (postgresPassword, postgresSecret.File), (redisPassword, redisSecret), cluster);
    }

    /// <summary>
    /// The database as <paramref name="login"/> (<c>ConnectionStrings:billingdb</c>) and the cache, once both are healthy.
    /// </summary>
    /// <param name="login">The service's own login: <see cref="DatabaseLogins.Api"/> or <see cref="DatabaseLogins.Worker"/>.</param>
    public static IResourceBuilder<T> WithInfrastructure<T>(this IResourceBuilder<T> service, BillingInfrastructure infrastructure, ReferenceExpression login)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        service
            .WithEnvironment($"ConnectionStrings__{BillingInfrastructure.DatabaseName}", login).WaitFor(infrastructure.Database)
            .WithReference(infrastructure.Cache, BillingInfrastructure.CacheName).WaitFor(infrastructure.Cache);
        return infrastructure.UsageStreamShards == 1
            ? service
            : service.WithEnvironment("UsageStream__Shards", infrastructure.UsageStreamShards.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The migration service's database: the owner's login (<c>ConnectionStrings:billingdb-owner</c>), and the superuser's
    /// (<c>ConnectionStrings:billingdb-admin</c>) with the runtime logins' passwords, to create the logins first.
    /// </summary>
    public static IResourceBuilder<T> WithDatabaseOwnership<T>(this IResourceBuilder<T> migrations, BillingInfrastructure infrastructure)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        migrations
            .WithEnvironment($"ConnectionStrings__{BillingInfrastructure.DatabaseName}-owner", infrastructure.Logins.Owner)
            .WithReference(infrastructure.Database, $"{BillingInfrastructure.DatabaseName}-admin")
            .WithEnvironment("DatabaseLogins__ApiPassword", infrastructure.Logins.ApiPassword)
            .WithEnvironment("DatabaseLogins__WorkerPassword", infrastructure.Logins.WorkerPassword)
            .WaitFor(infrastructure.Database);

    private static (InfrastructureMode Mode, string Reason) ChooseMode(string? configured)
    {
        switch (configured?.Trim().ToLowerInvariant())
        {
            case "containers":
                return (InfrastructureMode.Containers, $"forced by {ModeKey}");
            case "local":
                return (InfrastructureMode.Local, $"forced by {ModeKey}");
            case null or "" or "auto":
                var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker";
                return ContainerRuntimeProbe.EngineAnswers(runtime)
                    ? (InfrastructureMode.Containers, $"the {runtime} engine answers")
                    : (InfrastructureMode.Local, $"no {runtime} engine answers");
            default:
                throw new InvalidOperationException($"{ModeKey} must be 'auto', 'containers' or 'local', not '{configured}'.");
        }
    }

    private static BillingInfrastructure AddContainers(
        IDistributedApplicationBuilder builder,
        string dataDirectory,
        IResourceBuilder<ParameterResource> postgresPassword,
        IResourceBuilder<ParameterResource> redisPassword)
    {
        var server = builder.AddPostgres("postgres", password: postgresPassword)
            .WithDataVolume("billing-postgres-data");
        var database = server.AddDatabase(BillingInfrastructure.DatabaseName);
        var logins = DatabaseLogins.Add(builder, dataDirectory, ServerAddress(server));
        var cache = builder.AddRedis(BillingInfrastructure.CacheName, password: redisPassword)
            .WithDataVolume("billing-redis-data")
            .WithArgs(AppendOnly);
        return new(database, logins, cache, InfrastructureMode.Containers, dataDirectory);
    }

    /// <summary>
    /// For a deployment (azd, the manifest): containers on persistent volumes whose passwords the deployment tool
    /// generates and keeps, never this machine's local secrets.
    /// </summary>
    private static BillingInfrastructure AddPublishedContainers(IDistributedApplicationBuilder builder)
    {
        var server = builder.AddPostgres("postgres", password: DatabaseLogins.GeneratedPassword(builder, "postgres-password"))
            .WithDataVolume("billing-postgres-data");
        var database = server.AddDatabase(BillingInfrastructure.DatabaseName);
        var logins = DatabaseLogins.Generate(builder, ServerAddress(server));
        var cache = builder.AddRedis(BillingInfrastructure.CacheName, password: DatabaseLogins.GeneratedPassword(builder, "redis-password"))
            .WithDataVolume("billing-redis-data")
            .WithArgs(AppendOnly);
        return new(database, logins, cache, InfrastructureMode.Containers, DataDirectory: "");
    }

    private static ReferenceExpression ServerAddress(IResourceBuilder<PostgresServerResource> server)
    {
        var endpoint = server.Resource.PrimaryEndpoint;
        return ReferenceExpression.Create($"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)}");
    }

    /// <summary>
    /// The usage stream holds metered usage until it is committed to PostgreSQL, so Redis keeps an append-only file. The
    /// container's command is one shell string (<c>sh -c "redis-server …"</c>): the options belong inside it.
    /// </summary>
    private static void AppendOnly(CommandLineArgsCallbackContext context)
    {
        for (var i = 0; i < context.Args.Count; i++)
        {
            if (context.Args[i] is string command && command.StartsWith("redis-server ", StringComparison.Ordinal))
            {
                context.Args[i] = command + " --appendonly yes --appendfsync everysec";
                return;
            }
        }

        throw new InvalidOperationException("The Redis container's command line has no redis-server: cannot turn on its append-only file.");
    }

    private static BillingInfrastructure AddLocalProcesses(
        IDistributedApplicationBuilder builder,
        string dataDirectory,
        (IResourceBuilder<ParameterResource> Parameter, string File) postgresPassword,
        (IResourceBuilder<ParameterResource> Parameter, (string Value, string File) Secret) redisPassword,
        bool cluster)
    {
        var scripts = Path.Combine(builder.AppHostDirectory, "LocalProcesses");
        var postgresBin = LocalBinaries.FindPostgresBin();
        var redisServer = LocalBinaries.FindRedisServer();
        var postgresPort = PortOrFree(builder.Configuration["Infrastructure:PostgresPort"]);

        builder.Services.AddHealthChecks()
            .AddAsyncCheck("postgres-ready", ct => LocalHealthChecks.PgIsReadyAsync(postgresBin, postgresPort, ct));

        var postgres = builder.AddResource(new LocalPostgresResource(
                "postgres", "bash", dataDirectory, postgresPassword.Parameter.Resource, BillingInfrastructure.DatabaseName))
            .WithArgs(Path.Combine(scripts, "postgres.sh"), Path.Combine(dataDirectory, "postgres"),
                postgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                postgresPassword.File, BillingInfrastructure.DatabaseName)
            .WithEnvironment("PG_BIN", postgresBin)
            .WithEndpoint(LocalPostgresResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.Port = postgresPort;
                endpoint.TargetPort = postgresPort;
                endpoint.IsProxied = false;
            })
            .WithHealthCheck("postgres-ready");

        var redis = cluster
            ? AddLocalRedisCluster(builder, scripts, dataDirectory, redisServer, redisPassword)
            : AddLocalRedis(builder, scripts, dataDirectory, redisServer, redisPassword);
        return new(postgres, DatabaseLogins.Add(builder, dataDirectory, postgres.Resource.Server), redis, InfrastructureMode.Local, dataDirectory)
        {
            UsageStreamShards = cluster ? ClusterStreamShards : 1,
        };
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRedis(
        IDistributedApplicationBuilder builder,
        string scripts,
        string dataDirectory,
        string redisServer,
        (IResourceBuilder<ParameterResource> Parameter, (string Value, string File) Secret) redisPassword)
    {
        var redisPort = PortOrFree(builder.Configuration["Infrastructure:RedisPort"]);
        builder.Services.AddHealthChecks()
            .AddAsyncCheck("redis-ready", ct => LocalHealthChecks.RedisPingAsync(redisPort, redisPassword.Secret.Value, ct));
        return builder.AddResource(new LocalRedisResource(
                BillingInfrastructure.CacheName, "bash", dataDirectory, redisPassword.Parameter.Resource))
            .WithArgs(Path.Combine(scripts, "redis.sh"), Path.Combine(dataDirectory, "redis"),
                redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                redisPassword.Secret.File)
            .WithEnvironment("REDIS_SERVER", redisServer)
            .WithEndpoint(LocalRedisResource.EndpointName, endpoint =>
            {
                endpoint.UriScheme = "tcp";
                endpoint.Port = redisPort;
                endpoint.TargetPort = redisPort;
                endpoint.IsProxied = false;
            })
            .WithHealthCheck("redis-ready");
    }

    /// <summary>
    /// Six nodes on fixed ports (a cluster records its members' addresses in each node's <c>nodes.conf</c>, so they must
    /// not change between runs), healthy once every node reports <c>cluster_state:ok</c>.
    /// </summary>
    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRedisCluster(
        IDistributedApplicationBuilder builder,
        string scripts,
        string dataDirectory,
        string redisServer,
        (IResourceBuilder<ParameterResource> Parameter, (string Value, string File) Secret) redisPassword)
    {
        var first = int.TryParse(builder.Configuration[RedisClusterPortKey], out var configured) ? configured : 7001;
        var ports = Enumerable.Range(first, 6).ToList();
        builder.Services.AddHealthChecks()
            .AddAsyncCheck("redis-cluster-ready", ct => LocalHealthChecks.RedisClusterOkAsync(ports, redisPassword.Secret.Value, ct));
        return builder.AddResource(new LocalRedisClusterResource(
                BillingInfrastructure.CacheName, "bash", dataDirectory, ports, redisPassword.Parameter.Resource))
            .WithArgs([Path.Combine(scripts, "redis-cluster.sh"), Path.Combine(dataDirectory, "redis-cluster"), redisPassword.Secret.File,
                .. ports.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))])
            .WithEnvironment("REDIS_SERVER", redisServer)
            .WithEnvironment("REDIS_CLI", Path.Combine(Path.GetDirectoryName(redisServer)!, "redis-cli"))
            .WithHealthCheck("redis-cluster-ready");
    }

    private static int PortOrFree(string? configured)
    {
        if (int.TryParse(configured, out var port))
        {
            return port;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
