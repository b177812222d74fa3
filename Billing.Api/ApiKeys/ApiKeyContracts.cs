using System.ComponentModel.DataAnnotations;

namespace Billing.Api.ApiKeys;

/// <param name="Name">A label to tell keys apart ("default" when empty).</param>
/// <param name="Scopes">
/// Some of <c>ingest</c>, <c>read</c>, <c>manage</c>. Left out: every scope for the operator, the calling key's own
/// scopes for a tenant key (which can never grant a scope it lacks).
/// </param>
/// <param name="ExpiresAt">When the key stops working; never when left out.</param>
public sealed record CreateApiKeyRequest([property: StringLength(200)] string? Name, string[]? Scopes = null, DateTimeOffset? ExpiresAt = null);

/// <param name="Key">The secret. It appears in this response only and is stored as a hash.</param>
public sealed record CreatedApiKeyResponse(
    Guid Id, Guid TenantId, string Name, string Prefix, string Key, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);
