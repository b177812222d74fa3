using Billing.Api.Auth;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Reconciliation;

/// <summary>The operator's view of the metering pipeline against Stripe: reconciliation results and unsent submissions.</summary>
public static class ReconciliationEndpoints
{
    public sealed record ReconciliationResponse(
        Guid TenantId, string Metric, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset ComparedUntil,
        long LocalValue, long SubmittedValue, long StripeValue, long Drift, int InFlight, string Status, bool Final, DateTimeOffset CheckedAt);

    public sealed record SubmissionResponse(
        long Id, Guid TenantId, string Metric, DateTimeOffset BucketStart, int Revision, DateTimeOffset EventTimestamp, string Identifier,
        long Value, string Status, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? SentAt);

    public static IEndpointRouteBuilder MapReconciliationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/metering").WithTags("Metering").RequireAuthorization(AuthPolicies.Operator);
        group.MapGet("/reconciliation", ListReconciliation).WithName("ListReconciliation");
        group.MapGet("/submissions", ListSubmissions).WithName("ListMeterSubmissions");
        return app;
    }

    /// <param name="status"><c>ok</c>, <c>settling</c> or <c>drift</c>; all when omitted.</param>
    public static async Task<Ok<ReconciliationResponse[]>> ListReconciliation(
        BillingDbContext db, CancellationToken cancellationToken, string? status = null, Guid? tenantId = null, int limit = 100)
    {
        var query = db.MeterReconciliations.AsNoTracking();
        query = status is null ? query : query.Where(r => r.Status == status);
        query = tenantId is null ? query : query.Where(r => r.TenantId == tenantId);
        var rows = await query.OrderByDescending(r => r.Status == ReconciliationStatus.Drift).ThenByDescending(r => r.CheckedAt)
            .Take(Math.Clamp(limit, 1, 1000))
            .Select(r => new ReconciliationResponse(r.TenantId, r.Metric, r.PeriodStart, r.PeriodEnd, r.ComparedUntil, r.LocalValue,
                r.SubmittedValue, r.StripeValue, r.Drift, r.InFlight, r.Status, r.Final, r.CheckedAt))
            .ToArrayAsync(cancellationToken);
        return TypedResults.Ok(rows);
    }

    /// <param name="status"><c>pending</c>, <c>sent</c>, <c>failed</c> or <c>skipped</c>; unsent ones (pending and failed) when omitted.</param>
    public static async Task<Ok<SubmissionResponse[]>> ListSubmissions(
        BillingDbContext db, CancellationToken cancellationToken, string? status = null, Guid? tenantId = null, int limit = 100)
    {
        var query = db.MeterSubmissions.AsNoTracking();
        query = status is null
            ? query.Where(s => s.Status == SubmissionStatus.Pending || s.Status == SubmissionStatus.Failed)
            : query.Where(s => s.Status == status);
        query = tenantId is null ? query : query.Where(s => s.TenantId == tenantId);
        var rows = await query.OrderByDescending(s => s.Id).Take(Math.Clamp(limit, 1, 1000))
            .Select(s => new SubmissionResponse(s.Id, s.TenantId, s.Metric, s.BucketStart, s.Revision, s.EventTimestamp, s.Identifier,
                s.Value, s.Status, s.Attempts, s.LastError, s.CreatedAt, s.NextAttemptAt, s.SentAt))
            .ToArrayAsync(cancellationToken);
        return TypedResults.Ok(rows);
    }
}
