namespace Billing.Api.ApiKeys;

/// <summary>A key as listed: never the secret, only its visible prefix.</summary>
/// <param name="LastUsedAt">When it last authenticated, written about once a minute (not on every request).</param>
public sealed record ApiKeyResponse(
    Guid Id, string Name, string Prefix, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt);

/// <summary>The key a request was made with (<c>GET /api/v1/api-keys/current</c>), so a client can tell what it may do.</summary>
public sealed record CurrentApiKeyResponse(Guid Id, Guid TenantId, string Name, string Prefix, string[] Scopes, DateTimeOffset? ExpiresAt);
