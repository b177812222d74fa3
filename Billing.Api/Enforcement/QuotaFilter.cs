using Billing.Api.Auth;
using Billing.Infrastructure.Metering;

namespace Billing.Api.Enforcement;

/// <summary>
/// Enforces all the quotas of an endpoint with one <see cref="QuotaEnforcement"/>: decided together before the
/// handler, recorded together after it under a server-generated request id. A request refused by any of its quotas
/// consumes nothing. One whose handler failed (5xx, exception, the client gone) gives back what was reserved up front
/// (the call itself) but is charged what its handler reported before failing (tokens the model already produced).
/// A request whose usage nothing can record (the buffer and stream full or down, and PostgreSQL too) is answered 503
/// with <c>Retry-After</c> instead of its result, and charged nothing.
/// </summary>
internal sealed class QuotaFilter(IReadOnlyList<QuotaRequirement> requirements) : IEndpointFilter
{
    private readonly QuotaCharge[] _charges = [.. requirements.Select(r => new QuotaCharge(r.Metric, r.Counted ? 1 : 0, r.Counted))];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var tenantId = http.RequestServices.GetRequiredService<CurrentTenant>().RequiredTenantId;
        var enforcement = await QuotaEnforcement.DecideAsync(http, tenantId, _charges, new MeteredRequest());
        if (enforcement.Refusal is { } refusal)
        {
            return refusal;
        }

        object? result;
        try
        {
            result = await next(invocation);
        }
        catch
        {
            await enforcement.GiveBackAsync();
            await enforcement.RecordReportedAsync(i => requirements[i].Counted ? 0 : http.ReportedUsage(requirements[i].Metric));
            throw;
        }

        if (Failed(http, result))
        {
            await enforcement.GiveBackAsync();
            await enforcement.RecordReportedAsync(i => requirements[i].Counted ? 0 : http.ReportedUsage(requirements[i].Metric));
            return result;
        }

        try
        {
            await enforcement.RecordAsync(i => requirements[i].Counted ? _charges[i].Amount : http.ReportedUsage(requirements[i].Metric));
        }
        catch (UsageStoreUnavailableException)
        {
            return QuotaProblems.UsageNotRecorded(http);
        }

        return result;
    }

    private static bool Failed(HttpContext http, object? result) =>
        http.Response.StatusCode >= 500 || (result is IStatusCodeHttpResult { StatusCode: >= 500 });
}
