using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Billing.Api.ApiKeys;
using Billing.Api.Problems;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Billing.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the operator key from configuration, or a tenant key (<c>bk_…</c>) that
/// <see cref="ApiKeyVerifier"/> accepts. A refused key is answered with a 401 problem saying why, or 429 when its address
/// presented too many bad keys.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> authOptions,
    ApiKeyVerifier verifier,
    ApiKeyLastUsedBuffer lastUsed)
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

        var verification = await verifier.VerifyAsync(key, InvalidKeyThrottle.AddressOf(Context.Connection.RemoteIpAddress), Context.RequestServices);
        if (verification.Key is not { } found)
        {
            Context.Items[typeof(KeyVerification)] = verification;
            return AuthenticateResult.Fail($"API key refused: {verification.Refusal}.");
        }

        lastUsed.Record(found.Id, found.TenantId);
        var claims = new Claim[3 + found.Scopes.Length];
        claims[0] = new Claim(AuthPolicies.RoleClaim, AuthPolicies.Tenant);
        claims[1] = new Claim(AuthPolicies.TenantClaim, found.TenantId.ToString());
        claims[2] = new Claim(AuthPolicies.KeyClaim, found.Id.ToString());
        for (var i = 0; i < found.Scopes.Length; i++)
        {
            claims[3 + i] = new Claim(AuthPolicies.ScopeClaim, found.Scopes[i]);
        }

        return Success(claims);
    }

    /// <summary>A problem body that says what was wrong with the key, instead of an empty 401.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = Context.Items.TryGetValue(typeof(KeyVerification), out var item) && item is KeyVerification verification ? verification : (KeyVerification?)null;
        if (refusal is { Refusal: KeyRefusal.Throttled } throttled)
        {
            Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(throttled.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.RateLimited, title: "Too many requests",
                detail: "This address presented too many malformed, unknown or expired API keys; wait before sending another.").ExecuteAsync(Context);
            return;
        }

        // RFC 6750: the bearer scheme, and invalid_token when a key was sent but refused.
        Response.Headers.WWWAuthenticate = refusal is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: refusal?.Refusal switch
        {
            KeyRefusal.Malformed => $"This is not an API key: tenant keys are '{ApiKeySecrets.KeyPrefix}' followed by letters, digits, '-' and '_'.",
            KeyRefusal.Unknown => "This API key is unknown, revoked or expired.",
            _ => "Send an API key as 'Authorization: Bearer <key>'.",
        }).ExecuteAsync(Context);
    }

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}
