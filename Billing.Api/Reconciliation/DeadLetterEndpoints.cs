using Billing.Api.Auth;
using Billing.Infrastructure.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Reconciliation;

/// <summary>
/// Usage events the aggregation set aside because they cannot be aggregated (a window past its limit, a value out of
/// range), with the reason: accepted and counted in usage, but not billed until the operator deals with them.
/// </summary>
public static class DeadLetterEndpoints
{
    public sealed record DeadLetterResponse(
        long Id, Guid TenantId, string EventId, string Metric, long Value, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt,
        DateTimeOffset SetAsideAt, string Reason);

    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/metering").WithTags("Metering").RequireAuthorization(AuthPolicies.Operator)
            .MapGet("/dead-letters", List).WithName("ListDeadLetters");
        return app;
    }

    /// <param name="before">An id from the previous page: only older set-aside events.</param>
    public static async Task<Ok<DeadLetterResponse[]>> List(
        BillingDbContext db, CancellationToken cancellationToken, Guid? tenantId = null, long? before = null, int limit = 100)
    {
        var query = db.UsageEvents.AsNoTracking().Where(e => e.SetAsideAt != null);
        query = tenantId is null ? query : query.Where(e => e.TenantId == tenantId);
        query = before is null ? query : query.Where(e => e.Id < before);
        var rows = await query.OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, 1000))
            .Select(e => new DeadLetterResponse(e.Id, e.TenantId, e.EventId, e.Metric, e.Value, e.OccurredAt, e.ReceivedAt, e.SetAsideAt!.Value, e.SetAsideReason ?? ""))
            .ToArrayAsync(cancellationToken);
        return TypedResults.Ok(rows);
    }
}
