using Microsoft.Extensions.Options;

namespace Billing.Api.Gateway;

/// <summary>The route table of <c>Gateway:Routes</c>, parsed once: which quotas a request on a route of the gateway's services charges.</summary>
public sealed class GatewayRoutes
{
    private readonly GatewayRoute[] _routes;

    // Reading the options runs the validation below, so a table built at all is complete.
    public GatewayRoutes(IOptions<GatewayOptions> options) => _routes = [.. Parse(options.Value, [])];

    /// <summary>Every route, in the order they are tried.</summary>
    public IReadOnlyList<GatewayRoute> All => _routes;

    /// <summary>The route whose <c>Match</c> is <paramref name="match"/> (as a lease names it); null if none is.</summary>
    public GatewayRoute? Named(string match) => Array.Find(_routes, r => string.Equals(r.Match, match, StringComparison.Ordinal));

    /// <summary>The first route matching <paramref name="method"/> and the normalised <paramref name="path"/>; null if none does.</summary>
    public GatewayRoute? Match(string method, string path)
    {
        foreach (var route in _routes)
        {
            if (route.Matches(method, path))
            {
                return route;
            }
        }

        return null;
    }

    public static IEnumerable<GatewayRoute> Parse(GatewayOptions options, List<string> errors)
    {
        for (var i = 0; i < options.Routes.Count; i++)
        {
            if (GatewayRoute.Parse(options.Routes[i], $"{GatewayOptions.SectionName}:Routes:{i}", errors) is { } route)
            {
                yield return route;
            }
        }

        if (string.IsNullOrWhiteSpace(options.RequestIdHeader))
        {
            errors.Add($"{GatewayOptions.SectionName}:RequestIdHeader: must name the header with the gateway's request id (X-Request-Id).");
        }

        if (string.IsNullOrWhiteSpace(options.KeyHeader))
        {
            errors.Add($"{GatewayOptions.SectionName}:KeyHeader: must name the header with the tenant's API key (Authorization).");
        }

        if (options.ReplayWindowSeconds is < 1 or > 86_400)
        {
            errors.Add($"{GatewayOptions.SectionName}:ReplayWindowSeconds: {options.ReplayWindowSeconds} must be between 1 and 86400.");
        }

        var leases = options.Leases;
        if (leases.LifetimeSeconds is < 1 or > 3_600)
        {
            errors.Add($"{GatewayOptions.SectionName}:Leases:LifetimeSeconds: {leases.LifetimeSeconds} must be between 1 and 3600.");
        }

        if (leases.GraceSeconds is < 1 or > 3_600)
        {
            errors.Add($"{GatewayOptions.SectionName}:Leases:GraceSeconds: {leases.GraceSeconds} must be between 1 and 3600.");
        }

        if (leases.MaxUnits is < 1 or > 1_000_000)
        {
            errors.Add($"{GatewayOptions.SectionName}:Leases:MaxUnits: {leases.MaxUnits} must be between 1 and 1000000.");
        }

        if (leases.SweepIntervalMilliseconds is < 100 or > 60_000)
        {
            errors.Add($"{GatewayOptions.SectionName}:Leases:SweepIntervalMilliseconds: {leases.SweepIntervalMilliseconds} must be between 100 and 60000.");
        }
    }

    /// <summary>Refuses to start with an invalid <c>Gateway</c> section, listing every problem.</summary>
    public sealed class Validation : IValidateOptions<GatewayOptions>
    {
        public ValidateOptionsResult Validate(string? name, GatewayOptions options)
        {
            var errors = new List<string>();
            _ = Parse(options, errors).Count();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
