using System.Security.Claims;
using System.Text.Encodings.Web;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Billing.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the operator key from configuration, or a tenant key
/// (<c>bk_…</c>) found by its SHA-256 hash among unrevoked keys.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> authOptions,
    IMemoryCache cache,
    SingleFlight lookups)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>How long a verified key is trusted without asking the database again (bounds revocation delay).</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(15);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var key = header["Bearer ".Length..].Trim();
        var operatorKey = authOptions.CurrentValue.OperatorKey;
        if (!string.IsNullOrEmpty(operatorKey) && ApiKeySecrets.SecretEquals(key, operatorKey))
        {
            return Success([new Claim(AuthPolicies.RoleClaim, AuthPolicies.Operator)]);
        }

        if (!key.StartsWith(ApiKeySecrets.KeyPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }

        // The hash is the lookup key: equal hashes mean equal keys, and the secret is never compared directly.
        var hash = ApiKeySecrets.Hash(key);
        var cacheKey = CacheKey(hash);
        if (!cache.TryGetValue(cacheKey, out (Guid Id, Guid TenantId) found))
        {
            // The database context is rented only on a cache miss: every request is authenticated, few miss.
            var db = Context.RequestServices.GetRequiredService<BillingDbContext>();
            var row = await lookups.RunAsync(cacheKey, async () => await db.ApiKeys.AsNoTracking()
                .Where(k => k.Hash == hash && k.RevokedAt == null)
                .Select(k => new { k.Id, k.TenantId })
                .FirstOrDefaultAsync(CancellationToken.None));
            if (row is null)
            {
                // Unknown keys are not cached: a flood of random keys must not fill memory.
                return AuthenticateResult.Fail("Unknown API key.");
            }

            found = (row.Id, row.TenantId);
            cache.Set(cacheKey, found, CacheDuration);
        }

        return Success([
            new Claim(AuthPolicies.RoleClaim, AuthPolicies.Tenant),
            new Claim(AuthPolicies.TenantClaim, found.TenantId.ToString()),
            new Claim(AuthPolicies.KeyClaim, found.Id.ToString()),
        ]);
    }

    /// <summary>The cache entry of a key, by its hash (the key itself is never held).</summary>
    public static string CacheKey(byte[] hash) => "api-key:" + Convert.ToHexString(hash);

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}
