using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Billing.Api.Auth;

/// <summary>The outcome of presenting a tenant key: the key, or why not (and, when throttled, how long to wait).</summary>
public readonly record struct KeyVerification(VerifiedApiKey? Key, KeyRefusal? Refusal, TimeSpan RetryAfter = default);

/// <summary>
/// Tells whether a presented tenant key is valid, as cheaply as the answer allows: a malformed key without a lookup, a
/// verified key from the cache, an unknown key from its own short-lived cache, and a database lookup only for the rest,
/// unless the client's address has presented too many bad keys already.
/// </summary>
public sealed class ApiKeyVerifier(
    IMemoryCache cache, UnknownApiKeys unknownKeys, InvalidKeyThrottle throttle, SingleFlight lookups, LastKnownValues lastKnown, AuthMetrics metrics,
    TimeProvider clock)
{
    /// <summary>How long a verified key is trusted without asking the database again (bounds revocation delay).</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(15);

    /// <summary>The cache entry of a key, by its hash (the key itself is never held).</summary>
    public static string CacheKey(byte[] hash) => "api-key:" + Convert.ToHexString(hash);

    /// <param name="key">The bearer token as presented.</param>
    /// <param name="address">The client's partition (<see cref="InvalidKeyThrottle.AddressOf"/>).</param>
    /// <param name="requestServices">The request's services, which give a database context only when a lookup is needed.</param>
    public async ValueTask<KeyVerification> VerifyAsync(string key, string address, IServiceProvider requestServices)
    {
        if (!ApiKeySecrets.IsWellFormed(key))
        {
            return Refuse(KeyRefusal.Malformed, address);
        }

        // The hash is the lookup key: equal hashes mean equal keys, and the secret is never compared directly.
        var hash = ApiKeySecrets.Hash(key);
        var cacheKey = CacheKey(hash);
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(cacheKey, out VerifiedApiKey? cached) && cached is not null)
        {
            if (cached.ExpiresAt is not { } cachedExpiry || cachedExpiry > now)
            {
                return new KeyVerification(cached, null);
            }

            cache.Remove(cacheKey);
        }

        if (throttle.Refusal(address) is { } wait)
        {
            metrics.RecordRefused(KeyRefusal.Throttled);
            return new KeyVerification(null, KeyRefusal.Throttled, wait);
        }

        if (unknownKeys.Contains(cacheKey))
        {
            return Refuse(KeyRefusal.Unknown, address);
        }

        // The database context is rented only on a cache miss: every request is authenticated, few miss.
        var db = requestServices.GetRequiredService<BillingDbContext>();
        var found = await lastKnown.LoadAsync(cacheKey, () => lookups.RunAsync(cacheKey, async () => await db.ApiKeys.AsNoTracking()
            .Where(k => k.Hash == hash && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .Select(k => new VerifiedApiKey(k.Id, k.TenantId, k.Scopes, k.ExpiresAt))
            .FirstOrDefaultAsync(CancellationToken.None)));
        if (found?.ExpiresAt is { } lastKnownExpiry && lastKnownExpiry <= now)
        {
            // A last-known key served during an outage still expires on time.
            found = null;
        }

        metrics.RecordLookup(found is not null);
        if (found is null)
        {
            unknownKeys.Add(cacheKey);
            return Refuse(KeyRefusal.Unknown, address);
        }

        // An expiring key leaves the cache when it expires, not up to a cache lifetime later.
        cache.Set(cacheKey, found, found.ExpiresAt is { } expiry && expiry - now < CacheDuration ? expiry - now : CacheDuration);
        return new KeyVerification(found, null);
    }

    /// <summary>Counts a bad key against its address; one that has presented too many gets 429 instead of 401.</summary>
    public KeyVerification Refuse(KeyRefusal reason, string address)
    {
        if (throttle.Refusal(address) is { } wait)
        {
            metrics.RecordRefused(KeyRefusal.Throttled);
            return new KeyVerification(null, KeyRefusal.Throttled, wait);
        }

        throttle.Count(address);
        metrics.RecordRefused(reason);
        return new KeyVerification(null, reason);
    }
}
