using Microsoft.Extensions.Options;

namespace Billing.Api.Gateway;

/// <summary>The route table of <c>Gateway:Routes</c>, parsed once: which quotas a request on a route of the gateway's services charges.</summary>
public sealed class GatewayRoutes
{
    private readonly GatewayRoute[] _routes;

    // Reading the options runs the validation below, so a table built at all is complete.
    public GatewayRoutes(IOptions<GatewayOptions> options) => _routes = [.. Parse(options.Value, [])];

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
