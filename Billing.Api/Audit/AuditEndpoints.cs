using Billing.Api.Auth;
using Billing.Infrastructure.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Audit;

/// <summary>The operator's view of the audit log: plan changes, key changes, cancellations, webhook outcomes.</summary>
public static class AuditEndpoints
{
    public sealed record AuditEntryResponse(long Id, Guid? TenantId, string Actor, string Action, string? Details, DateTimeOffset CreatedAt);

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit-log", List).WithTags("Audit").RequireAuthorization(AuthPolicies.Operator).WithName("ListAuditLog");
        return app;
    }

    /// <param name="before">Entries with a smaller id (paging backwards from the newest).</param>
    public static async Task<Ok<AuditEntryResponse[]>> List(
        BillingDbContext db, CancellationToken cancellationToken, Guid? tenantId = null, string? action = null, long? before = null, int limit = 50)
    {
        var query = db.AuditLog.AsNoTracking();
        query = tenantId is null ? query : query.Where(a => a.TenantId == tenantId);
        query = action is null ? query : query.Where(a => a.Action == action);
        query = before is null ? query : query.Where(a => a.Id < before);
        var entries = await query.OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 500))
            .Select(a => new AuditEntryResponse(a.Id, a.TenantId, a.Actor, a.Action, a.Details, a.CreatedAt))
            .ToArrayAsync(cancellationToken);
        return TypedResults.Ok(entries);
    }
}
