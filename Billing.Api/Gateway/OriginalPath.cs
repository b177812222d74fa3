namespace Billing.Api.Gateway;

/// <summary>
/// The path of the request a gateway is asking about, as the gateway itself routes it: percent-decoded, with empty and
/// <c>.</c> segments dropped and <c>..</c> resolved, without the query. A client cannot then reach a metered location
/// with a spelling the route table does not match (<c>/v1//chat/./completions</c>, <c>/v1/%63hat/completions</c>).
/// </summary>
public static class OriginalPath
{
    /// <summary>Reads an origin-form target (<c>/v1/chat?x=1</c>, nginx's <c>$request_uri</c>) or an absolute URL (ingress-nginx's <c>X-Original-URL</c>).</summary>
    public static bool TryNormalize(string? target, out string path)
    {
        path = "";
        if (string.IsNullOrEmpty(target))
        {
            return false;
        }

        if (!target.StartsWith('/'))
        {
            if (!Uri.TryCreate(target, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return false;
            }

            target = url.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        }

        var end = target.IndexOfAny(['?', '#']);
        var decoded = Uri.UnescapeDataString(end < 0 ? target : target[..end]);
        if (decoded.Any(char.IsControl))
        {
            return false;
        }

        var segments = new List<string>();
        foreach (var segment in decoded.Split('/'))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment is not ("" or "."))
            {
                segments.Add(segment);
            }
        }

        var trailing = segments.Count > 0 && (decoded.EndsWith('/') || decoded.EndsWith("/.", StringComparison.Ordinal) || decoded.EndsWith("/..", StringComparison.Ordinal));
        path = "/" + string.Join('/', segments) + (trailing ? "/" : "");
        return true;
    }
}
