using System.Net;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Wire;

/// <summary>
/// In front of every <c>/v1</c> and <c>/v2</c> request: injected faults, parameter parsing, authentication,
/// idempotency-key replay, and errors in Stripe's shape.
/// </summary>
public sealed class StripeMiddleware(RequestDelegate next, EmulatorRuntime runtime, FaultRegistry faults, ILogger<StripeMiddleware> logger)
{
    private static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);
    private readonly HashSet<string> _inFlight = [];

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (!path.StartsWith("/v1/", StringComparison.Ordinal) && !path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            await next(http);
            return;
        }

        runtime.SeeRequest(http);
        var requestId = Ids.New("req_", 14);
        http.Response.Headers["Request-Id"] = requestId;
        try
        {
            if (await ApplyFaultAsync(http, path))
            {
                return;
            }

            var request = await ParseAsync(http, requestId, path);
            request.Attach(http);
            Authenticate(request, path);
            if (HttpMethods.IsPost(http.Request.Method) && !string.IsNullOrEmpty(request.IdempotencyKey))
            {
                await WithIdempotencyAsync(http, request, path);
            }
            else
            {
                await RunAsync(http);
            }
        }
        catch (StripeError error)
        {
            await ErrorWriter.WriteAsync(http, error);
        }
    }

    private async Task<bool> ApplyFaultAsync(HttpContext http, string path)
    {
        var fault = faults.Take(http.Request.Method, path);
        if (fault is null)
        {
            return false;
        }

        if (fault.DelayMs > 0)
        {
            await Task.Delay(fault.DelayMs, http.RequestAborted);
        }

        if (fault.Status is not { } status)
        {
            return false;
        }

        var error = status == 429
            ? new StripeError(HttpStatusCode.TooManyRequests, "rate_limit_error", "Too many requests hit the API too quickly.", "rate_limit")
            : new StripeError((HttpStatusCode)status, "api_error", "An unknown error occurred (injected by the emulator).");
        await ErrorWriter.WriteAsync(http, new StripeError(error.Status, error.Type, error.Message, error.Code) { ShouldRetry = fault.ShouldRetry });
        return true;
    }

    private static async Task<RequestInfo> ParseAsync(HttpContext http, string requestId, string path)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var isJson = path.StartsWith("/v2/", StringComparison.Ordinal);
        var authorization = http.Request.Headers.Authorization.ToString();
        return new RequestInfo
        {
            Form = FormTree.Parse(http.Request.QueryString.Value?.TrimStart('?'), isJson ? null : body),
            RawBody = body,
            ApiVersion = FirstNonEmpty(http.Request.Headers["Stripe-Version"].ToString(), EmulatorOptions.DefaultApiVersion),
            RequestId = requestId,
            IdempotencyKey = NullIfEmpty(http.Request.Headers["Idempotency-Key"].ToString()),
            BearerToken = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null,
        };
    }

    private void Authenticate(RequestInfo request, string path)
    {
        if (path.StartsWith("/v2/billing/meter_event_stream", StringComparison.Ordinal))
        {
            return;
        }

        var key = request.BearerToken;
        if (string.IsNullOrEmpty(key))
        {
            throw StripeError.Unauthorized("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }

        var expected = runtime.Options.ApiKey;
        var valid = string.IsNullOrEmpty(expected) ? key.StartsWith("sk_test_", StringComparison.Ordinal) : key == expected;
        if (!valid)
        {
            throw StripeError.Unauthorized($"Invalid API Key provided: {Mask(key)}");
        }
    }

    private async Task WithIdempotencyAsync(HttpContext http, RequestInfo request, string path)
    {
        var key = request.IdempotencyKey!;
        var fingerprint = $"{http.Request.Method} {path}?{(path.StartsWith("/v2/", StringComparison.Ordinal) ? request.RawBody : request.Form.Fingerprint())}";
        var now = runtime.Clock.WallNow;
        var stored = runtime.Store.Read(state =>
            state.Idempotency.TryGetValue(key, out var record) && now - record.StoredAt < IdempotencyWindow.TotalSeconds ? record : null);
        if (stored is not null)
        {
            if (stored.Fingerprint != fingerprint)
            {
                throw new StripeError(HttpStatusCode.BadRequest, "idempotency_error",
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.");
            }

            http.Response.StatusCode = stored.Status;
            http.Response.ContentType = "application/json";
            http.Response.Headers["Idempotent-Replayed"] = "true";
            await http.Response.WriteAsync(stored.Body);
            return;
        }

        lock (_inFlight)
        {
            if (!_inFlight.Add(key))
            {
                throw new StripeError(HttpStatusCode.Conflict, "idempotency_error",
                    "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.");
            }
        }

        try
        {
            var original = http.Response.Body;
            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            try
            {
                await RunAsync(http);
            }
            finally
            {
                http.Response.Body = original;
            }

            var body = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            var status = http.Response.StatusCode;
            // Stripe keeps the result once the endpoint started executing: successes and server errors, not validation failures.
            if (status is 200 or 402 or >= 500)
            {
                runtime.Store.Write(state => state.Idempotency[key] = new IdempotencyRecord
                {
                    Key = key,
                    Fingerprint = fingerprint,
                    Status = status,
                    Body = body,
                    StoredAt = now,
                });
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(original, http.RequestAborted);
        }
        finally
        {
            lock (_inFlight)
            {
                _inFlight.Remove(key);
            }
        }
    }

    private async Task RunAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (StripeError error)
        {
            await ErrorWriter.WriteAsync(http, error);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Unhandled error in {Path}", http.Request.Path);
            await ErrorWriter.WriteAsync(http, new StripeError(HttpStatusCode.InternalServerError, "api_error", "An unknown error occurred."));
        }
    }

    private static string Mask(string key) => key.Length <= 12 ? "****" : key[..8] + new string('*', key.Length - 12) + key[^4..];

    private static string FirstNonEmpty(string value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value;

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
