using Billing.Infrastructure.Security;

namespace Billing.Api.ApiKeys;

/// <summary>The checks of a new key's scopes and expiry, keyed like the body (<c>scopes</c>, <c>expiresAt</c>).</summary>
public static class ApiKeyRequestValidation
{
    public static Dictionary<string, string[]> Validate(CreateApiKeyRequest? request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (request?.Scopes is { } scopes)
        {
            if (scopes.Length == 0)
            {
                errors["scopes"] = [$"A key needs at least one scope: {string.Join(", ", ApiScopes.All)}."];
            }
            else if (scopes.FirstOrDefault(scope => !ApiScopes.IsKnown(scope)) is { } unknown)
            {
                errors["scopes"] = [$"'{unknown}' is not a scope; use {string.Join(", ", ApiScopes.All)}."];
            }
        }

        if (request?.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            errors["expiresAt"] = ["The expiry must be in the future."];
        }

        return errors;
    }
}
