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

    /// <summary>When set, the key stops authenticating at this instant.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>When the key last authenticated, to the minute or so (written in batches, not per request).</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>What the key may do: some of <see cref="Security.ApiScopes.All"/>, never empty.</summary>
    public required string[] Scopes { get; set; }
}
