namespace Billing.Api.Auth;

/// <summary>A tenant key the database knew, as it is cached for <see cref="ApiKeyVerifier.CacheDuration"/> (never the secret).</summary>
public sealed record VerifiedApiKey(Guid Id, Guid TenantId, string[] Scopes, DateTimeOffset? ExpiresAt);
