using System.Linq.Expressions;
using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Webhooks;

/// <summary>
/// The operator's view of the Stripe inbox: events the worker gave up on after three days of retries (Stripe will not
/// send them again), and a replay that puts one back in the queue once its cause is fixed.
/// </summary>
public static class WebhookInboxEndpoints
{
    public sealed record WebhookEventResponse(
        long Id, string StripeEventId, string Type, string Status, int Attempts, string? Error, DateTimeOffset StripeCreatedAt,
        DateTimeOffset ReceivedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? ProcessedAt);

    /// <summary>Everything but the payload, which may be large; the same shape for a list in SQL and a replayed row.</summary>
    private static readonly Expression<Func<WebhookEvent, WebhookEventResponse>> ToResponse = e => new WebhookEventResponse(
        e.Id, e.StripeEventId, e.Type, e.Status, e.Attempts, e.Error, e.StripeCreatedAt, e.ReceivedAt, e.NextAttemptAt, e.ProcessedAt);

    private static readonly Func<WebhookEvent, WebhookEventResponse> ToResponseOf = ToResponse.Compile();

    public static IEndpointRouteBuilder MapWebhookInboxApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhooks/stripe/events").WithTags("Webhooks").RequireAuthorization(AuthPolicies.Operator)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapGet("/", List).WithName("ListStripeWebhookEvents");
        group.MapPost("/{id:long}/replay", Replay).WithName("ReplayStripeWebhookEvent").WithDescription(
            "Puts a failed event back in the worker's queue with a fresh three days of retries; the event is applied as if "
            + "it had just arrived (older state never overwrites newer, so a replay cannot undo a later change).");
        return app;
    }

    /// <param name="status"><c>failed</c> (default), <c>received</c>, <c>processed</c> or <c>ignored</c>.</param>
    /// <param name="before">An id from the previous page: only older events.</param>
    public static async Task<Ok<WebhookEventResponse[]>> List(
        BillingDbContext db, CancellationToken cancellationToken, string status = "failed", long? before = null, int limit = 100)
    {
        var query = db.WebhookEvents.AsNoTracking().Where(e => e.Status == status);
        query = before is null ? query : query.Where(e => e.Id < before);
        var rows = await query.OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, 1000)).Select(ToResponse).ToArrayAsync(cancellationToken);
        return TypedResults.Ok(rows);
    }

    public static async Task<Results<Accepted<WebhookEventResponse>, NotFound, ProblemHttpResult>> Replay(
        long id, BillingDbContext db, AuditLog audit, CurrentTenant caller, CancellationToken cancellationToken)
    {
        var row = await db.WebhookEvents.SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (row is null)
        {
            return TypedResults.NotFound();
        }

        if (row.Status != "failed")
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.WebhookNotFailed,
                title: "Only a failed event can be replayed", detail: $"Event {row.StripeEventId} is {row.Status}.");
        }

        row.Status = "received";
        row.Attempts = 0;
        row.NextAttemptAt = null;
        audit.Record(null, caller.Actor, "webhook.replayed", new { eventId = row.StripeEventId, type = row.Type, error = row.Error });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted("/api/v1/webhooks/stripe/events?status=received", ToResponseOf(row));
    }
}
