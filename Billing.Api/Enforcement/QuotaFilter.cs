using Billing.Api.Auth;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;

namespace Billing.Api.Enforcement;

/// <summary>
/// Pre-request decision (allow, warn, or deny with 429 / 402), <c>X-Quota-*</c> headers, and post-request tracking:
/// the consumption is stored as a usage event, keyed by a server-generated request id, before the response is sent.
/// A request that did no work consumes nothing: a failed handler (5xx or exception), or a request another quota of
/// the same endpoint refused.
/// </summary>
internal sealed class QuotaFilter(Metric metric, QuotaAmount amount) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var services = http.RequestServices;
        var metered = MeteredRequest.Of(http);
        var tenantId = services.GetRequiredService<CurrentTenant>().RequiredTenantId;
        var billing = await services.GetRequiredService<TenantBillingStore>().GetAsync(tenantId, http.RequestAborted);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (billing is null || billing.StandingAt(now) == Standing.Blocked)
        {
            metered.Refuse();
            return QuotaProblems.SubscriptionInactive(metric);
        }

        var quota = billing.EnforcedPlanAt(now).Quota(metric);
        var period = billing.PeriodAt(now);
        var counted = amount == QuotaAmount.OnePerRequest;
        var eventId = metered.EventId(metric);
        var ledger = services.GetRequiredService<QuotaLedger>();
        var decision = await ledger.DecideAsync(tenantId, quota, period, counted ? 1 : 0, reserve: counted, idempotencyKey: null, eventId, http.RequestAborted);
        if (decision.Decision.Kind == QuotaDecisionKind.Deny)
        {
            metered.Refuse();
            metered.Show(http.Response, decision.Decision, 0, period.End);
            return QuotaProblems.QuotaExceeded(http, decision.Decision, period.End, now);
        }

        if (billing.StandingAt(now) == Standing.InPaymentGrace)
        {
            metered.StandingWarning = "A payment failed; the plan's quotas apply until the payment grace ends.";
        }

        metered.Show(http.Response, decision.Decision, counted ? 1 : 0, period.End);
        object? result;
        try
        {
            result = await next(invocation);
        }
        catch
        {
            await GiveBackAsync(http, metered, ledger, tenantId, period, decision, eventId);
            throw;
        }

        if (metered.Refused || Failed(http, result))
        {
            await GiveBackAsync(http, metered, ledger, tenantId, period, decision, eventId);
            return result;
        }

        var consumed = counted ? 1 : http.ReportedUsage(metric);
        if (consumed > 0 && !decision.RecordedInDatabase)
        {
            var usage = new NewUsageEvent(tenantId, eventId, metric.ToKey(), consumed, now, period.Start, null,
                System.Diagnostics.Activity.Current?.Id, Precounted: decision.Reserved);
            await RecordAsync(services.GetRequiredService<UsageIngestionQueue>(), usage, () => GiveBackAsync(http, metered, ledger, tenantId, period, decision, eventId));
        }

        return result;
    }

    /// <summary>
    /// Stores the event the handler's work produced, with one retry: the id is this request's own, so a retry after a
    /// commit that failed (or whose answer was lost) still counts it exactly once. The client going away must not
    /// lose the record of work already done, hence no request cancellation. If both attempts fail the reservation
    /// is given back, so Redis never counts what PostgreSQL does not hold, and the request fails.
    /// </summary>
    private static async Task RecordAsync(UsageIngestionQueue ingestion, NewUsageEvent usage, Func<Task> giveBack)
    {
        try
        {
            await ingestion.SubmitAsync([usage], CancellationToken.None);
        }
        catch (UsageStoreUnavailableException)
        {
            try
            {
                await ingestion.SubmitAsync([usage], CancellationToken.None);
            }
            catch (UsageStoreUnavailableException)
            {
                await giveBack();
                throw;
            }
        }
    }

    private static bool Failed(HttpContext http, object? result) =>
        http.Response.StatusCode >= 500 || (result is IStatusCodeHttpResult { StatusCode: >= 500 });

    private static async Task GiveBackAsync(
        HttpContext http, MeteredRequest metered, QuotaLedger ledger, Guid tenantId, BillingPeriod period, LedgerDecision decision, string eventId)
    {
        if (decision.Reserved)
        {
            await ledger.ReleaseAsync(tenantId, decision.Decision.Metric, period, 1, decision.RecordedInDatabase ? eventId : null);
            metered.Show(http.Response, decision.Decision, 0, period.End);
        }
    }
}
