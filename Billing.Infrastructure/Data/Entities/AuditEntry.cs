namespace Billing.Infrastructure.Data.Entities;

/// <summary>An append-only record of plan changes, key changes, overrides and webhook outcomes.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public Guid? TenantId { get; set; }

    /// <summary>Who acted: <c>operator</c>, <c>tenant:{keyId}</c>, <c>stripe</c>, <c>system</c>.</summary>
    public required string Actor { get; set; }

    public required string Action { get; set; }
    public string? Details { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
