namespace Billing.StripeEmulator.Wire;

public static class Urls
{
    /// <summary>An absolute http(s) URL given as a parameter, or a 400 naming the parameter.</summary>
    public static string Absolute(string url, string param) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? url
            : throw StripeError.InvalidParam(param, $"Invalid URL: {url}");
}
