using Billing.Api.Auth;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;

namespace Billing.Api.Enforcement;

/// <summary>
/// Enforces all the quotas of an endpoint. Before the handler: one decision over every quota (allow, warn, or deny
/// with 429 / 402) and the <c>X-Quota-*</c> headers; hard caps are decided in one Redis round trip, soft-capped and
/// uncapped quotas from this process's views of the counters without one (see <see cref="QuotaLedger"/>). After it:
/// the consumption of every quota is recorded as usage events keyed by a server-generated request id, handed to the
/// usage buffer that the next flush sends on (or, with buffering off, in one write before the response: an append to
/// the usage stream, or a PostgreSQL commit when the stream is unavailable). A request refused by any of its quotas
/// consumes nothing. One whose handler failed (5xx, exception, the client gone) gives back what was reserved up front
/// (the call itself) but is charged what its handler reported before failing (tokens the model already produced).
/// </summary>
internal sealed class QuotaFilter(IReadOnlyList<QuotaRequirement> requirements) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var services = http.RequestServices;
        var tenantId = services.GetRequiredService<CurrentTenant>().RequiredTenantId;
        var billing = await services.GetRequiredService<TenantBillingStore>().GetAsync(tenantId, http.RequestAborted);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (billing is null || billing.StandingAt(now) == Standing.Blocked)
        {
            return QuotaProblems.SubscriptionInactive(requirements[0].Metric);
        }

        var metered = new MeteredRequest();
        var plan = billing.EnforcedPlanAt(now);
        var period = billing.PeriodAt(now);
        QuotaAsk[] asks = [.. requirements.Select(r => new QuotaAsk(plan.Quota(r.Metric), r.Counted ? 1 : 0, r.Counted, metered.EventId(r.Metric)))];
        var ledger = services.GetRequiredService<QuotaLedger>();
        var decided = await ledger.DecideRequestAsync(tenantId, period, asks, http.RequestAborted);
        if (decided.Denied is { } denied)
        {
            // Only a decision taken in PostgreSQL can have reserved (and stored) a quota before the one that refused.
            await GiveBackAsync(ledger, tenantId, period, decided, asks);
            Show(http.Response, metered, decided, asks, period, consumed: false);
            return QuotaProblems.QuotaExceeded(http, denied.Decision, period.End, now);
        }

        if (billing.StandingAt(now) == Standing.InPaymentGrace)
        {
            metered.StandingWarning = "A payment failed; the plan's quotas apply until the payment grace ends.";
        }

        Show(http.Response, metered, decided, asks, period, consumed: true);
        object? result;
        try
        {
            result = await next(invocation);
        }
        catch
        {
            await GiveBackAsync(ledger, tenantId, period, decided, asks);
            await RecordReportedAsync(services, Usage(http, tenantId, now, period, decided, asks, failed: true), decided);
            Show(http.Response, metered, decided, asks, period, consumed: false);
            throw;
        }

        if (Failed(http, result))
        {
            await GiveBackAsync(ledger, tenantId, period, decided, asks);
            await RecordReportedAsync(services, Usage(http, tenantId, now, period, decided, asks, failed: true), decided);
            Show(http.Response, metered, decided, asks, period, consumed: false);
            return result;
        }

        var usage = Usage(http, tenantId, now, period, decided, asks, failed: false);
        if (usage.Count > 0)
        {
            try
            {
                await services.GetRequiredService<MeteredUsageRecorder>().RecordAsync(usage, redisDown: decided.InDatabase);
            }
            catch (UsageStoreUnavailableException)
            {
                // Nothing holds the events (a synchronous write failed): give the reservations back, so Redis never counts
                // what PostgreSQL will not hold.
                await GiveBackAsync(ledger, tenantId, period, decided, asks);
                throw;
            }
        }

        return result;
    }

    /// <summary>
    /// The events of what the request consumed; those stored with a decision taken in PostgreSQL are not repeated. A
    /// failed request consumed only what its handler reported (its reservations are given back).
    /// </summary>
    private List<NewUsageEvent> Usage(
        HttpContext http, Guid tenantId, DateTimeOffset now, BillingPeriod period, RequestDecision decided, QuotaAsk[] asks, bool failed)
    {
        var usage = new List<NewUsageEvent>(asks.Length);
        var trace = System.Diagnostics.Activity.Current?.Id;
        for (var i = 0; i < decided.Decisions.Count; i++)
        {
            var decision = decided.Decisions[i];
            var consumed = requirements[i].Counted ? (failed ? 0 : asks[i].Amount) : http.ReportedUsage(requirements[i].Metric);
            if (consumed > 0 && !decision.RecordedInDatabase)
            {
                usage.Add(new NewUsageEvent(tenantId, asks[i].EventId, requirements[i].Metric.ToKey(), consumed, now, period.Start, null, trace,
                    Precounted: decision.Reserved));
            }
        }

        return usage;
    }

    private static void Show(HttpResponse response, MeteredRequest metered, RequestDecision decided, QuotaAsk[] asks, BillingPeriod period, bool consumed)
    {
        for (var i = 0; i < decided.Decisions.Count; i++)
        {
            metered.Set(decided.Decisions[i].Decision, consumed ? asks[i].Amount : 0, period.End);
        }

        metered.WriteHeaders(response);
    }

    /// <summary>
    /// What a failed handler reported: the work was done (and paid for upstream) even if the answer was not. Never throws
    /// over the handler's own failure; a store that cannot take it is logged.
    /// </summary>
    private static async Task RecordReportedAsync(IServiceProvider services, List<NewUsageEvent> reported, RequestDecision decided)
    {
        if (reported.Count == 0)
        {
            return;
        }

        try
        {
            await services.GetRequiredService<MeteredUsageRecorder>().RecordAsync(reported, redisDown: decided.InDatabase);
        }
        catch (UsageStoreUnavailableException e)
        {
            services.GetRequiredService<ILogger<QuotaFilter>>().LogError(e,
                "The usage a failed request reported could not be stored: {Events}", string.Join(", ", reported.Select(u => $"{u.Metric}={u.Value}")));
        }
    }

    private static bool Failed(HttpContext http, object? result) =>
        http.Response.StatusCode >= 500 || (result is IStatusCodeHttpResult { StatusCode: >= 500 });

    private static async Task GiveBackAsync(QuotaLedger ledger, Guid tenantId, BillingPeriod period, RequestDecision decided, QuotaAsk[] asks)
    {
        for (var i = 0; i < decided.Decisions.Count; i++)
        {
            var decision = decided.Decisions[i];
            if (decision.Reserved)
            {
                await ledger.ReleaseAsync(tenantId, decision.Decision.Metric, period, asks[i].Amount, decision.RecordedInDatabase ? asks[i].EventId : null);
            }
        }
    }
}
