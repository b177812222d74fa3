using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Api.Usage;
using Billing.Domain.Catalog;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Redis;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Options;

namespace Billing.Api.Gateway;

/// <summary>
/// Leases for gateways that count requests themselves (the shipped nginx + Lua configuration): the route table, a
/// lease of up to N requests on a route (reserved in the same atomic counters as <c>RequireQuota</c>, so hard caps stay
/// exact; refused with the authorizer's 429 / 402 / 401 answers when nothing fits), and the gateway's cumulative usage
/// reports (recorded once per count; the final one gives the unused units back). See <see cref="GatewayLeases"/>.
/// </summary>
internal static class GatewayLeaseEndpoints
{
    public static RouteGroupBuilder MapGatewayLeases(this RouteGroupBuilder group)
    {
        group.MapGet("/routes", GetRoutes).WithName("GetGatewayRoutes")
            .WithDescription("The route table (Gateway:Routes) for gateways that match routes themselves and ask for leases by route.");
        group.MapPost("/leases", GrantAsync).WithName("GrantGatewayLease").WithDescription(
            "A lease of up to `units` requests on a route, reserved in the tenant's usage counters; 429 / 402 with Retry-After and X-Quota-* "
            + "when nothing fits, as the authorizer answers.");
        group.MapPost("/leases/{leaseId}/usage", ReportAsync).WithName("ReportGatewayLeaseUsage").WithDescription(
            "The requests let through on the lease so far (cumulative; a repeated count records nothing). `final` closes the lease and gives "
            + "the units not used back.");
        return group;
    }

    private static GatewayRouteTable GetRoutes(GatewayRoutes routes, IOptions<GatewayOptions> options) =>
        new([.. routes.All.Select(r => new GatewayRouteEntry(r.Match, r.Method, r.Pattern, r.Charges.ToDictionary(c => c.Metric.ToKey(), c => c.Amount)))],
            options.Value.UnmatchedRoutes == UnmatchedRoutePolicy.Allow ? "allow" : "refuse", options.Value.Leases.LifetimeSeconds);

    private static async Task<IResult> GrantAsync(LeaseRequest request, HttpContext http, GatewayRoutes routes, IOptions<GatewayOptions> options,
        CurrentTenant caller, TenantBillingStore tenants, GatewayLeases leases, TimeProvider clock, CancellationToken cancellationToken)
    {
        var settings = options.Value.Leases;
        var errors = new Dictionary<string, string[]>();
        var route = request.Route is null ? null : routes.Named(request.Route);
        if (route is null)
        {
            errors["route"] = [$"Name a route of Gateway:Routes by its match, one of: {string.Join(", ", routes.All.Select(r => $"'{r.Match}'"))}."];
        }
        else if (route.Charges.Count == 0)
        {
            errors["route"] = [$"'{route.Match}' consumes nothing: let its requests through without a lease."];
        }

        if (request.Units is not { } units || units < 1 || units > settings.MaxUnits)
        {
            errors["units"] = [$"Ask for 1 to {settings.MaxUnits} units (requests on the route)."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var tenantId = caller.RequiredTenantId;
        var billing = await tenants.GetAsync(tenantId, cancellationToken);
        var now = clock.GetUtcNow();
        if (billing is null || billing.StandingAt(now) == Standing.Blocked)
        {
            return QuotaProblems.SubscriptionInactive(route!.Charges[0].Metric);
        }

        var plan = billing.EnforcedPlanAt(now);
        var period = billing.PeriodAt(now);
        LeaseCharge[] charges = [.. route!.Charges.Select(c => new LeaseCharge(plan.Quota(c.Metric), c.Amount))];
        // A lease never outlives the period its units are counted in.
        var lifetime = TimeSpan.FromSeconds(Math.Clamp((period.End - now).TotalSeconds, 1, settings.LifetimeSeconds));
        LeaseGrant grant;
        try
        {
            grant = await leases.GrantAsync(tenantId, period, route.Match, charges, request.Units!.Value, lifetime, TimeSpan.FromSeconds(settings.GraceSeconds),
                cancellationToken);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            return GatewayProblems.LeaseStoreUnavailable(http);
        }

        var metered = new MeteredRequest(grant.LeaseId is null ? "gwl:refused" : $"gwl:{grant.LeaseId}");
        var decisions = charges.Select((c, i) => QuotaPolicy.Evaluate(c.Quota, grant.Used[i], c.PerUnit)).ToArray();
        foreach (var decision in decisions)
        {
            metered.Set(decision, 0, period.End);
        }

        if (billing.StandingAt(now) == Standing.InPaymentGrace)
        {
            metered.StandingWarning = "A payment failed; the plan's quotas apply until the payment grace ends.";
        }

        metered.WriteHeaders(http.Response);
        GatewayHeaders.JoinQuotaHeaders(http.Response.Headers);
        if (grant.LeaseId is null)
        {
            var refused = decisions[grant.Refused];
            return refused.Kind == QuotaDecisionKind.Deny
                ? QuotaProblems.QuotaExceeded(http, refused, period.End, now)
                : IngestionProblems.OverPeriodTotal(refused.Metric.ToKey(), period.Start, refused.Used, charges[grant.Refused].PerUnit);
        }

        return TypedResults.Ok(new LeaseResponse(grant.LeaseId, route.Match, grant.Granted, grant.ExpiresAt, lifetime.TotalSeconds,
            [.. decisions.Select((d, i) => new LeaseQuota(d.Metric.ToKey(), d.Limit ?? d.Included, d.Used, charges[i].PerUnit, QuotaHeaders.ResetValue(period.End),
                d.Kind == QuotaDecisionKind.Warn ? d.Reason : null))],
            metered.StandingWarning));
    }

    private static async Task<IResult> ReportAsync(string leaseId, LeaseUsageRequest request, HttpContext http, CurrentTenant caller, GatewayLeases leases)
    {
        if (leaseId.Length != 32 || !leaseId.All(char.IsAsciiHexDigitLower))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["leaseId"] = ["A lease id is the 32 lower-case hex digits a grant answered."] });
        }

        if (request.Used is not { } used || used < 0)
        {
            if (!await leases.ExistsAsync(caller.RequiredTenantId, leaseId))
            {
                // Another tenant's lease (or none) is not found, whatever the body.
                return GatewayProblems.LeaseClosed(leaseId);
            }

            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["used"] = ["Send the requests let through on the lease so far (cumulative, 0 or more)."],
            });
        }

        LeaseReport report;
        try
        {
            report = await leases.ReportAsync(caller.RequiredTenantId, leaseId, used, request.Final);
        }
        catch (UsageStoreUnavailableException)
        {
            return QuotaProblems.UsageNotRecorded(http);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            return GatewayProblems.LeaseStoreUnavailable(http);
        }

        return report.State switch
        {
            LeaseReportState.Gone => GatewayProblems.LeaseClosed(leaseId),
            LeaseReportState.MoreThanGranted => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["used"] = [$"{used} is more than the {report.Granted} units the lease granted."],
            }),
            _ => TypedResults.Ok(new LeaseUsageResponse(leaseId, report.Reported, report.Granted, report.State == LeaseReportState.Closed)),
        };
    }
}
