using Billing.Infrastructure.Metering;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Caching;

/// <summary>
/// The last value each short-lived cache entry was loaded with from PostgreSQL (a tenant's plan, a verified API key),
/// kept for <see cref="Lifetime"/> and served only while PostgreSQL cannot be reached. Without it every metered
/// request fails once its few-second entry expires during an outage, although the usage stream could take its usage.
/// An eviction (<see cref="CacheInvalidation"/>: a revoked key, a changed plan) drops the last-known value with the entry.
/// </summary>
public sealed class LastKnownValues(IMemoryCache cache, ILogger<LastKnownValues> logger)
{
    // 1 while this replica answers from last-known values: an outage is logged when it starts and when it ends, not once
    // per request (thousands of lines a second would bury the cause).
    private readonly BoundCrossing _answeringFromLastKnown = new();

    /// <summary>How long after its last load a value may still be served during an outage.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>The entry holding <paramref name="cacheKey"/>'s last-known value.</summary>
    public static string KeyOf(string cacheKey) => cacheKey + ":last-known";

    /// <summary>
    /// Loads the value; when PostgreSQL is unreachable, answers the last value loaded for <paramref name="cacheKey"/>
    /// instead, if one is kept. A value that does not exist (null) is not kept.
    /// </summary>
    public async Task<T?> LoadAsync<T>(string cacheKey, Func<Task<T?>> load) where T : class
    {
        try
        {
            var loaded = await load();
            if (_answeringFromLastKnown.Clear())
            {
                logger.LogInformation("PostgreSQL reachable again: plans and keys are loaded from it");
            }

            if (loaded is not null)
            {
                cache.Set(KeyOf(cacheKey), loaded, Lifetime);
            }

            return loaded;
        }
        catch (Exception e) when (PostgresFailures.IsUnavailable(e) && cache.TryGetValue(KeyOf(cacheKey), out T? last) && last is not null)
        {
            if (_answeringFromLastKnown.Pass())
            {
                logger.LogWarning("PostgreSQL unreachable ({Reason}): plans and keys are answered from their last-known values (first: {CacheKey})", e.Message, cacheKey);
            }

            return last;
        }
    }
}
