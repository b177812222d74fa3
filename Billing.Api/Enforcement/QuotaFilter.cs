using Billing.Api.Auth;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;

namespace Billing.Api.Enforcement;

/// <summary>
/// Pre-request decision (allow, warn, or deny with 429 / 402), <c>X-Quota-*</c> headers, and
/// post-request tracking: the consumption is stored as a usage event, keyed by the request id,
/// before the response is sent. A failed handler (5xx or exception) consumes nothing.
/// </summary>
internal sealed class QuotaFilter(Metric metric, QuotaAmount amount) : IEndpointFilter
{
    public const string RequestIdHeader = "X-Request-Id";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var services = http.RequestServices;
        var tenantId = services.GetRequiredService<CurrentTenant>().RequiredTenantId;
        var billing = await services.GetRequiredService<TenantBillingStore>().GetAsync(tenantId, http.RequestAborted);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (billing is null || billing.StandingAt(now) == Standing.Blocked)
        {
            return QuotaProblems.SubscriptionInactive(metric);
        }

        var quota = billing.EnforcedPlanAt(now).Quota(metric);
        var period = billing.PeriodAt(now);
        var counted = amount == QuotaAmount.OnePerRequest;
        var eventId = $"req:{RequestId(http)}:{metric.ToKey()}";
        var ledger = services.GetRequiredService<QuotaLedger>();
        var decision = await ledger.DecideAsync(tenantId, quota, period, counted ? 1 : 0, reserve: counted, idempotencyKey: null, eventId, http.RequestAborted);
        if (decision.Decision.Kind == QuotaDecisionKind.Deny)
        {
            QuotaHeaders.Write(http.Response.Headers, decision.Decision, 0, period.End);
            return QuotaProblems.QuotaExceeded(http, decision.Decision, period.End, now);
        }

        if (billing.StandingAt(now) == Standing.InPaymentGrace)
        {
            http.Response.Headers.Append(QuotaHeaders.Warning, "A payment failed; the plan's quotas apply until the payment grace ends.");
        }

        QuotaHeaders.Write(http.Response.Headers, decision.Decision, counted ? 1 : 0, period.End);
        object? result;
        try
        {
            result = await next(invocation);
        }
        catch
        {
            await ReleaseAsync(ledger, tenantId, period, decision, eventId);
            throw;
        }

        if (Failed(http, result))
        {
            await ReleaseAsync(ledger, tenantId, period, decision, eventId);
            return result;
        }

        var consumed = counted ? 1 : http.ReportedUsage(metric);
        if (consumed > 0 && !decision.RecordedInDatabase)
        {
            var ingestion = services.GetRequiredService<UsageIngestionQueue>();
            await ingestion.SubmitAsync(
                [new NewUsageEvent(tenantId, eventId, metric.ToKey(), consumed, now, period.Start, null, System.Diagnostics.Activity.Current?.Id, Precounted: decision.Reserved)],
                http.RequestAborted);
        }

        return result;
    }

    private static string RequestId(HttpContext http) =>
        http.Request.Headers[RequestIdHeader].ToString() is { Length: > 0 and <= 64 } supplied ? supplied : Guid.CreateVersion7().ToString("N");

    private static bool Failed(HttpContext http, object? result) =>
        http.Response.StatusCode >= 500 || (result is IStatusCodeHttpResult { StatusCode: >= 500 });

    private static Task ReleaseAsync(QuotaLedger ledger, Guid tenantId, Domain.Metering.BillingPeriod period, LedgerDecision decision, string eventId) =>
        decision.Reserved
            ? ledger.ReleaseAsync(tenantId, decision.Decision.Metric, period, 1, decision.RecordedInDatabase ? eventId : null)
            : Task.CompletedTask;
}
