namespace Billing.Api.ApiKeys;

/// <summary>A key as listed: never the secret, only its visible prefix.</summary>
public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
