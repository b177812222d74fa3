using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;

namespace Billing.Api.Enforcement;

/// <summary>
/// The quotas of one metered request, for every way a request is metered (<c>RequireQuota</c>'s filter, the gateway's
/// authorizer). Before the work: one decision over every quota (allow, warn, or deny with 429 / 402) and the
/// <c>X-Quota-*</c> headers; hard caps are decided in one Redis round trip, soft-capped and uncapped quotas from this
/// process's views of the counters without one (see <see cref="QuotaLedger"/>), unless the request is named by an
/// idempotency key. After it: the consumption recorded as usage events keyed by the request's id, handed to the usage
/// buffer that the next flush sends on (or, with buffering off, in one write before the response: an append to the
/// usage stream, or a PostgreSQL commit when the stream is unavailable); or, when the work was not done, the
/// reservations given back.
/// </summary>
internal sealed class QuotaEnforcement
{
    private readonly HttpContext _http;
    private readonly Guid _tenantId;
    private readonly BillingPeriod _period;
    private readonly DateTimeOffset _now;
    private readonly MeteredRequest _metered;
    private readonly QuotaAsk[] _asks;
    private readonly RequestDecision? _decided;
    private readonly QuotaLedger? _ledger;

    private QuotaEnforcement(IResult refusal) => (Refusal, _http, _metered, _asks) = (refusal, null!, null!, []);

    private QuotaEnforcement(HttpContext http, Guid tenantId, BillingPeriod period, DateTimeOffset now, MeteredRequest metered, QuotaAsk[] asks,
        RequestDecision decided, QuotaLedger ledger)
    {
        (_http, _tenantId, _period, _now, _metered, _asks, _decided, _ledger) = (http, tenantId, period, now, metered, asks, decided, ledger);
    }

    /// <summary>The 402 or 429 problem that refuses the request; null when every quota let it through.</summary>
    public IResult? Refusal { get; private set; }

    /// <summary>Decides <paramref name="charges"/> for the tenant of <paramref name="http"/> and writes the <c>X-Quota-*</c> headers.</summary>
    public static async Task<QuotaEnforcement> DecideAsync(
        HttpContext http, Guid tenantId, IReadOnlyList<QuotaCharge> charges, MeteredRequest metered, RequestIdempotency? idempotency = null)
    {
        var services = http.RequestServices;
        var billing = await services.GetRequiredService<TenantBillingStore>().GetAsync(tenantId, http.RequestAborted);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (billing is null || billing.StandingAt(now) == Standing.Blocked)
        {
            return new QuotaEnforcement(QuotaProblems.SubscriptionInactive(charges[0].Metric));
        }

        var plan = billing.EnforcedPlanAt(now);
        var period = billing.PeriodAt(now);
        QuotaAsk[] asks = [.. charges.Select(c => new QuotaAsk(plan.Quota(c.Metric), c.Amount, c.Reserve, metered.EventId(c.Metric)))];
        var ledger = services.GetRequiredService<QuotaLedger>();
        var decided = await ledger.DecideRequestAsync(tenantId, period, asks, http.RequestAborted, idempotency);
        var enforcement = new QuotaEnforcement(http, tenantId, period, now, metered, asks, decided, ledger);
        if (decided.Denied is { } denied)
        {
            // Only a decision taken in PostgreSQL can have reserved (and stored) a quota before the one that refused.
            await enforcement.GiveBackAsync();
            enforcement.Refusal = QuotaProblems.QuotaExceeded(http, denied.Decision, period.End, now);
            return enforcement;
        }

        if (billing.StandingAt(now) == Standing.InPaymentGrace)
        {
            metered.StandingWarning = "A payment failed; the plan's quotas apply until the payment grace ends.";
        }

        enforcement.Show(consumed: true);
        return enforcement;
    }

    /// <summary>The work was not done (it failed, or another quota refused it): gives back what was reserved.</summary>
    public async Task GiveBackAsync()
    {
        for (var i = 0; i < _decided!.Decisions.Count; i++)
        {
            var decision = _decided.Decisions[i];
            if (decision.Reserved)
            {
                await _ledger!.ReleaseAsync(_tenantId, decision.Decision.Metric, _period, _asks[i].Amount, decision.RecordedInDatabase ? _asks[i].EventId : null);
            }
        }

        Show(consumed: false);
    }

    /// <summary>
    /// Records what the work consumed of each charge (<paramref name="consumed"/> by the charge's index). Events stored
    /// with a decision taken in PostgreSQL are not repeated; a repeat of an idempotent request records its events again,
    /// as counted, in case the first call's were lost (their ids keep them from being stored twice).
    /// </summary>
    /// <exception cref="UsageStoreUnavailableException">Nothing took the events; the reservations were given back.</exception>
    public async Task RecordAsync(Func<int, long> consumed)
    {
        var usage = Events(consumed);
        if (usage.Count == 0)
        {
            return;
        }

        try
        {
            await _http.RequestServices.GetRequiredService<MeteredUsageRecorder>().RecordAsync(usage, redisDown: _decided!.InDatabase);
        }
        catch (UsageStoreUnavailableException)
        {
            // Nothing holds the events (a synchronous write failed): give the reservations back, so Redis never counts
            // what PostgreSQL will not hold.
            await GiveBackAsync();
            throw;
        }
    }

    /// <summary>
    /// After failed work was given back: records what its handler reported it had used anyway (the work was done, and
    /// paid for upstream, even if the answer was not). Never throws over the work's own failure; a store that cannot take
    /// the events is logged.
    /// </summary>
    public async Task RecordReportedAsync(Func<int, long> reported)
    {
        var usage = Events(reported);
        if (usage.Count == 0)
        {
            return;
        }

        try
        {
            await _http.RequestServices.GetRequiredService<MeteredUsageRecorder>().RecordAsync(usage, redisDown: _decided!.InDatabase);
        }
        catch (UsageStoreUnavailableException e)
        {
            _http.RequestServices.GetRequiredService<ILogger<QuotaEnforcement>>().LogError(e,
                "The usage a failed request reported could not be stored: {Events}", string.Join(", ", usage.Select(u => $"{u.Metric}={u.Value}")));
        }
    }

    private List<NewUsageEvent> Events(Func<int, long> consumed)
    {
        var usage = new List<NewUsageEvent>(_asks.Length);
        var trace = System.Diagnostics.Activity.Current?.Id;
        for (var i = 0; i < _decided!.Decisions.Count; i++)
        {
            var decision = _decided.Decisions[i];
            var units = consumed(i);
            if (units > 0 && !decision.RecordedInDatabase)
            {
                usage.Add(new NewUsageEvent(_tenantId, _asks[i].EventId, decision.Decision.Metric.ToKey(), units, _now, _period.Start, null, trace,
                    Precounted: decision.Reserved || decision.Replayed));
            }
        }

        return usage;
    }

    private void Show(bool consumed)
    {
        for (var i = 0; i < _decided!.Decisions.Count; i++)
        {
            _metered.Set(_decided.Decisions[i].Decision, consumed ? _asks[i].Amount : 0, _period.End);
        }

        _metered.WriteHeaders(_http.Response);
    }
}
