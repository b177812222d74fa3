using System.Net;
using Billing.Infrastructure.Alerts;

namespace Billing.Api.Alerts;

/// <summary>The rules of <c>PUT /api/v1/alerts/settings</c>, as field errors of a validation problem.</summary>
public static class AlertSettingsValidation
{
    public const int MaxUrlLength = 2000;

    /// <summary>$100,000,000: far above any real bill, low enough that a typo of several digits is caught.</summary>
    public const long MaxSpendLimitCents = 10_000_000_000;

    public static Dictionary<string, string[]> Validate(AlertSettingsRequest request, AlertOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.WebhookUrl is { } url && UrlError(url, options) is { } urlError)
        {
            errors["webhookUrl"] = [urlError];
        }

        if (request.SpendLimitCents is { } limit && limit is <= 0 or > MaxSpendLimitCents)
        {
            errors["spendLimitCents"] = [$"The spend limit must be between 1 and {MaxSpendLimitCents} cents, or null for none."];
        }

        return errors;
    }

    private static string? UrlError(string url, AlertOptions options)
    {
        if (url.Length > MaxUrlLength)
        {
            return $"The URL may have at most {MaxUrlLength} characters.";
        }

        if (url.Trim().Length != url.Length || url.Any(char.IsControl) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "The URL must be an absolute http or https URL, or null for none.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && options.AllowHttp != true)
        {
            return "The URL must be an https URL: alerts and their signatures are not sent in clear.";
        }

        // Credentials in a URL would be stored and shown in clear; the signature is how a receiver authenticates us.
        if (uri.UserInfo.Length > 0)
        {
            return "The URL must not contain a user name or password.";
        }

        // A name is checked on the address it resolves to at each delivery; an address written out is refused here at once.
        return !options.AllowPrivateNetworks && (uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out var address) && !WebhookConnections.IsPublic(address)))
            ? "The URL must point to a public address: loopback, private, link-local and address-translating (NAT64, 6to4, Teredo) ones are refused."
            : null;
    }
}
