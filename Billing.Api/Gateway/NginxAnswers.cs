using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Billing.Api.Gateway;

/// <summary>
/// Shapes the authorizer's answers for nginx's <c>auth_request</c>, which lets 2xx through, passes 401 and 403 on, and
/// turns any other status into a 500. A denial becomes a 403 carrying the status the client should get
/// (<c>X-Quota-Status</c>: 429 for a quota or a rate limit, 402 for an inactive subscription, 401, 403) and the problem
/// body as a header (<c>X-Quota-Problem</c>), since <c>auth_request</c> drops the body; the shipped nginx configuration
/// answers the client with both. Errors (400 for a misconfigured gateway, 5xx) are left as they are: nginx's failure
/// policy meets them.
/// </summary>
internal static class NginxAnswers
{
    // Problems are a few hundred bytes; nginx holds an upstream's headers in proxy_buffer_size (4 or 8 KiB by default).
    private const int MaxProblemHeaderBytes = 2048;

    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var body = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        var buffered = new BufferedResponseBody(buffer);
        context.Features.Set<IHttpResponseBodyFeature>(buffered);
        try
        {
            await next(context);
            await buffered.CompleteAsync();
        }
        finally
        {
            context.Features.Set(body);
        }

        var response = context.Response;
        if (response.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status402PaymentRequired
            or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests)
        {
            response.Headers[GatewayHeaders.QuotaStatus] = response.StatusCode.ToString(CultureInfo.InvariantCulture);
            if (buffer.Length is > 0 and <= MaxProblemHeaderBytes && buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOfAnyExceptInRange((byte)' ', (byte)'~') < 0)
            {
                response.Headers[GatewayHeaders.QuotaProblem] = Encoding.ASCII.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            }

            if (response.StatusCode is not StatusCodes.Status401Unauthorized)
            {
                response.StatusCode = StatusCodes.Status403Forbidden;
            }
        }

        response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(body.Stream, context.RequestAborted);
    }
}
