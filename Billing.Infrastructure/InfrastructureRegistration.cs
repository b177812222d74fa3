using Billing.Infrastructure.Catalog;
using Billing.Infrastructure.Clock;
using Billing.Infrastructure.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Infrastructure;

/// <summary>The adapters every service shares: PostgreSQL through EF Core, Redis, the catalog, the clock (movable for tests: <see cref="ClockRegistration"/>).</summary>
public static class InfrastructureRegistration
{
    /// <summary>The API's and the worker's connection, each with its own login (never the owner's).</summary>
    public const string DatabaseConnectionName = "billingdb";

    /// <summary>The migration service's connection: the login that owns the schema.</summary>
    public const string OwnerConnectionName = "billingdb-owner";

    public const string RedisConnectionName = "redis";

    /// <summary>Adds the billing database, the validated catalog and a <see cref="TimeProvider"/>.</summary>
    /// <param name="roleOutsideTenantScope">
    /// The role EF Core connections take on outside a tenant's scope (the API's operator role); none: the login itself.
    /// </param>
    /// <param name="connectionName">The connection string's name: <c>billingdb</c>, or the owner's for the migration service.</param>
    public static IHostApplicationBuilder AddBillingDatabase(
        this IHostApplicationBuilder builder, string? roleOutsideTenantScope = null, string connectionName = DatabaseConnectionName)
    {
        builder.AddNpgsqlDbContext<BillingDbContext>(connectionName,
            // Transactions are explicit and short; a blind retry of half a unit of work would be worse than an error.
            settings => settings.DisableRetry = true,
            options => options.AddInterceptors(new Tenancy.TenantSessionInterceptor(roleOutsideTenantScope)));
        // Hand-written SQL (ingestion, aggregation) goes through its own pooled data source.
        builder.Services.AddSingleton(sp => HandWrittenSqlDataSource(DatabaseConnectionString(sp.GetRequiredService<IConfiguration>(), connectionName)));
        builder.AddBillingCatalog();
        builder.AddBillingClock();
        builder.Services.AddScoped<Audit.AuditLog>();
        builder.Services.AddSingleton<Caching.SingleFlight>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<Caching.LastKnownValues>();
        return builder;
    }

    /// <summary>The connection string of <paramref name="name"/>; an error naming the key when it is missing.</summary>
    public static string DatabaseConnectionString(IConfiguration configuration, string name = DatabaseConnectionName) =>
        configuration.GetConnectionString(name) ?? throw new InvalidOperationException($"ConnectionStrings:{name} is not configured.");

    /// <summary>
    /// The hand-written statements are few and run thousands of times a second (a group commit, a quota check), so
    /// PostgreSQL should parse and plan each once per connection, not once per call: they are prepared automatically
    /// unless the connection string says otherwise. A connection is always reset on its way back to the pool: a
    /// tenant's session (role and tenant) must never outlive the work it was opened for.
    /// </summary>
    private static NpgsqlDataSource HandWrittenSqlDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!builder.ConnectionStringBuilder.ContainsKey("Max Auto Prepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        builder.ConnectionStringBuilder.NoResetOnClose = false;
        return builder.Build();
    }

    /// <summary>Adds the Redis connection (connection <c>redis</c>) with short timeouts (section <c>Redis</c>) and no backlog.</summary>
    public static IHostApplicationBuilder AddBillingCache(this IHostApplicationBuilder builder)
    {
        var timeouts = builder.Configuration.GetSection(Caching.RedisClientOptions.SectionName).Get<Caching.RedisClientOptions>() ?? new();
        // Redis down must degrade, not fail, the service: QuotaHealth reports it as Degraded instead.
        builder.AddRedisClient(RedisConnectionName, settings => settings.DisableHealthChecks = true, options =>
        {
            // A provider that matches the endpoints (Azure's) knows its service better; any other gets the cache defaults.
            if (!options.EndPoints.Any(options.Defaults.IsMatch))
            {
                options.Defaults = new Caching.RedisCacheDefaults(timeouts);
            }

            // Without a connection a command fails at once, and the PostgreSQL fallback answers, instead of waiting in the
            // backlog for a reconnect until it times out.
            options.BacklogPolicy = StackExchange.Redis.BacklogPolicy.FailFast;
        });
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<Caching.CacheInvalidation>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Caching.CacheInvalidation>());
        return builder;
    }
}
