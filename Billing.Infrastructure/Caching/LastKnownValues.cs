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
            if (loaded is not null)
            {
                cache.Set(KeyOf(cacheKey), loaded, Lifetime);
            }

            return loaded;
        }
        catch (Exception e) when (PostgresFailures.IsUnavailable(e) && cache.TryGetValue(KeyOf(cacheKey), out T? last) && last is not null)
        {
            logger.LogWarning("PostgreSQL unreachable ({Reason}): {CacheKey} answered from its last-known value", e.Message, cacheKey);
            return last;
        }
    }
}
