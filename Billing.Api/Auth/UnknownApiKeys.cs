using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Billing.Api.Auth;

/// <summary>
/// Keys the database did not know, remembered for a short time so that a client retrying a wrong key costs no query.
/// A cache of its own with a size limit: past it, new unknown keys are simply not remembered, so a flood of random keys
/// cannot fill memory (they are throttled per address instead, <see cref="InvalidKeyThrottle"/>).
/// </summary>
public sealed class UnknownApiKeys(IOptions<AuthOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.UnknownKeyCacheEntries });
    private readonly TimeSpan _lifetime = TimeSpan.FromSeconds(options.Value.UnknownKeyCacheSeconds);

    public bool Contains(string cacheKey) => _cache.TryGetValue(cacheKey, out _);

    public void Add(string cacheKey) =>
        _cache.Set(cacheKey, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _lifetime });

    public void Dispose() => _cache.Dispose();
}
