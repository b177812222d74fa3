using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Api.Usage;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Billing.Api.Entitlements;

/// <summary>Quota decisions for the operator's other services: check (no effect) and consume (atomic, idempotent).</summary>
public static class EntitlementsEndpoints
{
    public static IEndpointRouteBuilder MapEntitlementsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/entitlements").WithTags("Entitlements").RequireAuthorization(AuthPolicies.Tenant)
            .RequireScope(ApiScopes.Ingest).LimitRequestBody(RequestBodyLimits.Settings);
        group.MapPost("/check", Check).WithName("CheckEntitlement").WithDescription(
            "The decision without consuming. For a counter (llm_tokens, api_calls, agent_executions) `amount` is the units to add to "
            + "the period's usage. For a gauge (storage_mb, user_seats) `amount` is the level to check, e.g. 26 seats, compared with "
            + "the limit as it is; `used` is then the recorded level and `remaining` the room above the checked level.");
        group.MapPost("/consume", Consume).WithName("ConsumeEntitlement").WithDescription(
            "Consumes `amount` units of a counter atomically, once per `idempotencyKey` (at most 92 characters). Gauges (storage_mb, "
            + "user_seats) are levels, not consumption: consuming one is a 400 problem (type gauge-not-consumable); report a new "
            + "level as a usage event (POST /api/v1/usage/events) and check a level before reaching it with /check.");
        return app;
    }

    public static Task<Results<Ok<EntitlementResponse>, ValidationProblem, ProblemHttpResult>> Check(
        EntitlementRequest request, CurrentTenant caller, TenantBillingStore tenants, QuotaLedger ledger, UsageIngestionQueue ingestion,
        CurrentUsageReader usage, TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(request, consume: false, caller, tenants, ledger, ingestion, usage, clock, cancellationToken);

    public static Task<Results<Ok<EntitlementResponse>, ValidationProblem, ProblemHttpResult>> Consume(
        EntitlementRequest request, CurrentTenant caller, TenantBillingStore tenants, QuotaLedger ledger, UsageIngestionQueue ingestion,
        CurrentUsageReader usage, TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(request, consume: true, caller, tenants, ledger, ingestion, usage, clock, cancellationToken);

    private static async Task<Results<Ok<EntitlementResponse>, ValidationProblem, ProblemHttpResult>> DecideAsync(
        EntitlementRequest request, bool consume, CurrentTenant caller, TenantBillingStore tenants, QuotaLedger ledger,
        UsageIngestionQueue ingestion, CurrentUsageReader usage, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!MetricKeys.TryParse(request.Metric, out var metric))
        {
            errors["metric"] = [$"Unknown metric '{request.Metric}'."];
        }
        else if (consume && Metrics.Get(metric).Kind == MetricKind.Gauge)
        {
            // Adding to a level is meaningless: 20 seats "plus 1" stored as a reading would become 1 seat.
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>
                {
                    ["metric"] = [$"{metric.ToKey()} is a gauge, a level rather than a sum, and cannot be consumed. Report the new level as a usage "
                        + "event (POST /api/v1/usage/events), and ask /api/v1/entitlements/check with the level as the amount before reaching it."],
                },
                title: "Gauges cannot be consumed", type: ProblemTypes.GaugeNotConsumable);
        }

        if (consume && string.IsNullOrWhiteSpace(request.IdempotencyKey))
        {
            errors["idempotencyKey"] = ["An idempotency key is required to consume, so a retry never consumes twice."];
        }
        else if (request.IdempotencyKey?.Length > EntitlementRequest.MaxIdempotencyKeyLength)
        {
            errors["idempotencyKey"] = [$"The idempotency key must be at most {EntitlementRequest.MaxIdempotencyKeyLength} characters; it has "
                + $"{request.IdempotencyKey.Length}. It is stored as the usage event id '{EntitlementRequest.EventIdPrefix}<key>', which holds {UsageEventColumns.EventIdMaxLength}."];
        }
        else if (request.IdempotencyKey is { } key && UsageEventRules.IdentifierProblem(key) is { } problem)
        {
            errors["idempotencyKey"] = [$"The idempotency key {problem}"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var billing = await tenants.GetAsync(caller.RequiredTenantId, cancellationToken);
        var now = clock.GetUtcNow();
        if (billing is null || billing.StandingAt(now) == Standing.Blocked)
        {
            return QuotaProblems.SubscriptionInactive(metric);
        }

        var quota = billing.EnforcedPlanAt(now).Quota(metric);
        var period = billing.PeriodAt(now);
        if (Metrics.Get(metric).Kind == MetricKind.Gauge)
        {
            var recorded = (await usage.ReadAsync(billing.TenantId, period, cancellationToken))[metric];
            var level = QuotaPolicy.EvaluateLevel(quota, request.Amount);
            return TypedResults.Ok(new EntitlementResponse(level.Kind.ToKey(), metric.ToKey(), level.Limit, level.Included, recorded,
                level.Remaining, period.End, Consumed: false, level.Reason));
        }

        var eventId = EntitlementRequest.EventIdPrefix + request.IdempotencyKey;
        var decision = await ledger.DecideAsync(billing.TenantId, quota, period, request.Amount, reserve: consume,
            consume ? request.IdempotencyKey : null, eventId, cancellationToken);
        if (decision.OverPeriodTotal)
        {
            return IngestionProblems.OverPeriodTotal(metric.ToKey(), period.Start, decision.Decision.Used, request.Amount);
        }

        // A replay stores the event again: if the first call died between counting in Redis and storing (a crash, a
        // timeout), its retry records the units now; if it was stored, the event id makes this a duplicate. The counter
        // already holds the units either way (Precounted).
        if ((decision.Reserved || decision.Replayed) && !decision.RecordedInDatabase)
        {
            try
            {
                await ingestion.SubmitAsync([new NewUsageEvent(billing.TenantId, eventId, metric.ToKey(), request.Amount, now, period.Start, null,
                    System.Diagnostics.Activity.Current?.Id, Precounted: true)], cancellationToken);
            }
            catch (UsageStoreUnavailableException e)
            {
                if (decision.Reserved)
                {
                    await ledger.ReleaseAsync(billing.TenantId, metric, period, request.Amount, null, request.IdempotencyKey);
                }

                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.StoreUnavailable,
                    title: "Usage store unavailable", detail: e.Message);
            }
        }

        var d = decision.Decision;
        // A replay answers as the original call did: its units are in `used` (they were counted then), not consumed again.
        var consumed = decision.Reserved || decision.Replayed ? request.Amount : 0;
        var limit = d.Limit ?? d.Included;
        return TypedResults.Ok(new EntitlementResponse(d.Kind.ToKey(), metric.ToKey(), d.Limit, d.Included, d.Used + consumed,
            Math.Max(0, limit - d.Used - consumed), period.End, decision.Reserved, d.Reason));
    }
}
