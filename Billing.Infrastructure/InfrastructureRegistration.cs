using Billing.Infrastructure.Catalog;
using Billing.Infrastructure.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Infrastructure;

/// <summary>The adapters every service shares: PostgreSQL through EF Core, Redis, the catalog, the clock.</summary>
public static class InfrastructureRegistration
{
    public const string DatabaseConnectionName = "billingdb";
    public const string RedisConnectionName = "redis";

    /// <summary>Adds the billing database (connection <c>billingdb</c>), the validated catalog and a <see cref="TimeProvider"/>.</summary>
    public static IHostApplicationBuilder AddBillingDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<BillingDbContext>(DatabaseConnectionName,
            // Transactions are explicit and short; a blind retry of half a unit of work would be worse than an error.
            settings => settings.DisableRetry = true,
            options => options.AddInterceptors(new Tenancy.TenantSessionInterceptor()));
        // Hand-written SQL (ingestion, aggregation) goes through its own pooled data source.
        builder.Services.AddSingleton(sp => HandWrittenSqlDataSource(
            sp.GetRequiredService<IConfiguration>().GetConnectionString(DatabaseConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{DatabaseConnectionName} is not configured.")));
        builder.AddBillingCatalog();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Audit.AuditLog>();
        builder.Services.AddSingleton<Caching.SingleFlight>();
        return builder;
    }

    /// <summary>
    /// The hand-written statements are few and run thousands of times a second (a group commit, a quota check), so
    /// PostgreSQL should parse and plan each once per connection, not once per call: they are prepared automatically
    /// unless the connection string says otherwise.
    /// </summary>
    private static NpgsqlDataSource HandWrittenSqlDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!builder.ConnectionStringBuilder.ContainsKey("Max Auto Prepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

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
