using System.Text.Json;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;

namespace Billing.Infrastructure.Audit;

/// <summary>Adds audit entries to the caller's unit of work, so an action and its record commit together.</summary>
public sealed class AuditLog(BillingDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Record(Guid? tenantId, string actor, string action, object? details = null) =>
        db.AuditLog.Add(new AuditEntry
        {
            TenantId = tenantId,
            Actor = actor,
            Action = action,
            Details = details is null ? null : JsonSerializer.Serialize(details, Json),
            CreatedAt = clock.GetUtcNow(),
        });
}
