using System.ComponentModel.DataAnnotations;

namespace Billing.Api.ApiKeys;

public sealed record CreateApiKeyRequest([property: StringLength(200)] string? Name);

/// <param name="Key">The secret. It appears in this response only and is stored as a hash.</param>
public sealed record CreatedApiKeyResponse(Guid Id, Guid TenantId, string Name, string Prefix, string Key, DateTimeOffset CreatedAt);
