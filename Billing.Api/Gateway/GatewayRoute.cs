using System.Globalization;
using System.Text.RegularExpressions;
using Billing.Api.Enforcement;
using Billing.Domain.Catalog;

namespace Billing.Api.Gateway;

/// <summary>A parsed entry of <c>Gateway:Routes</c>: the method (null: any), the path pattern and the quotas it charges.</summary>
public sealed class GatewayRoute
{
    /// <summary>The largest amount a route may consume of a metric per request (as much as one usage event may carry).</summary>
    public const long MaxAmount = 1_000_000_000_000;

    private readonly Regex _path;

    private GatewayRoute(string match, string? method, string pattern, Regex path, QuotaCharge[] charges) =>
        (Match, Method, Pattern, _path, Charges) = (match, method, pattern, path, charges);

    public string Match { get; }

    public string? Method { get; }

    /// <summary>The path pattern, <c>*</c> matching any characters (as gateways that match routes themselves read it).</summary>
    public string Pattern { get; }

    /// <summary>Reserved before the request is let through, in the metrics' order.</summary>
    public IReadOnlyList<QuotaCharge> Charges { get; }

    public bool Matches(string method, string path) =>
        (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) && _path.IsMatch(path);

    /// <summary>Parses <paramref name="options"/>; every problem found goes to <paramref name="errors"/>, keyed like the configuration.</summary>
    public static GatewayRoute? Parse(GatewayRouteOptions options, string key, List<string> errors)
    {
        var count = errors.Count;
        var parts = (options.Match ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (method, pattern) = parts switch
        {
            [var path] => (null, path),
            [var verb, var path] => (verb, path),
            _ => (null, ""),
        };
        if (method is not null && !method.All(char.IsAsciiLetterUpper))
        {
            errors.Add($"{key}:Match: '{options.Match}' must start with an upper-case HTTP method (POST /v1/chat/*) or be a path alone.");
        }

        if (!pattern.StartsWith('/'))
        {
            errors.Add($"{key}:Match: '{options.Match}' must be \"METHOD /path\" or \"/path\", the path starting with '/' (* matches any characters).");
        }

        var charges = new List<QuotaCharge>();
        foreach (var (metricKey, amount) in options.Consume ?? [])
        {
            if (!MetricKeys.TryParse(metricKey, out var metric) || metric.ToKey() != metricKey)
            {
                errors.Add($"{key}:Consume:{metricKey}: unknown metric; one of {string.Join(", ", MetricKeys.All.Select(m => m.ToKey()))}.");
            }
            else if (Metrics.Get(metric).Kind == MetricKind.Gauge)
            {
                errors.Add($"{key}:Consume:{metricKey}: a gauge (a level, not a sum) cannot be consumed per request; report its level as a usage event.");
            }
            else if (amount is < 1 or > MaxAmount)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:Consume:{metricKey}: {amount} must be between 1 and {MaxAmount:N0}."));
            }
            else
            {
                charges.Add(new QuotaCharge(metric, amount, Reserve: true));
            }
        }

        if (errors.Count > count)
        {
            return null;
        }

        var regex = new Regex("^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$",
            RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        return new GatewayRoute(options.Match!.Trim(), method, pattern, regex, [.. charges.OrderBy(c => c.Metric)]);
    }
}
