using System.Security.Claims;
using System.Text.Encodings.Web;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the operator key from configuration, or a tenant key
/// (<c>bk_…</c>) found by its SHA-256 hash among unrevoked keys.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> authOptions,
    BillingDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

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
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.Hash == hash && k.RevokedAt == null)
            .Select(k => new { k.Id, k.TenantId })
            .FirstOrDefaultAsync(Context.RequestAborted);
        return found is null
            ? AuthenticateResult.Fail("Unknown API key.")
            : Success([
                new Claim(AuthPolicies.RoleClaim, AuthPolicies.Tenant),
                new Claim(AuthPolicies.TenantClaim, found.TenantId.ToString()),
                new Claim(AuthPolicies.KeyClaim, found.Id.ToString()),
            ]);
    }

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}
