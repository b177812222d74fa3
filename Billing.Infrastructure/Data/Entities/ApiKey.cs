namespace Billing.Infrastructure.Data.Entities;

/// <summary>A tenant's API key: only its SHA-256 hash and a visible prefix are kept.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Name { get; set; }

    /// <summary>The first characters of the key, shown in lists so a tenant can tell keys apart.</summary>
    public required string Prefix { get; set; }

    public required byte[] Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
