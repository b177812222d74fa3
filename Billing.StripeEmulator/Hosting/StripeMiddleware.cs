using System.Collections.Concurrent;
using System.Net;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Hosting;

/// <summary>
/// What every API request goes through before its endpoint: injected faults, authentication, parameter parsing,
/// idempotency-key replay and Stripe's error shape for anything thrown.
/// </summary>
public sealed class StripeMiddleware(
    RequestDelegate next, EmulatorRuntime runtime, FaultRegistry faults, ListeningAddresses listening, ILogger<StripeMiddleware> logger)
{
    private const string StreamPath = "/v2/billing/meter_event_stream";

    private readonly ConcurrentDictionary<string, bool> _inFlight = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var isApi = path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/v2/", StringComparison.Ordinal);
        var isControl = path.StartsWith("/_emulator", StringComparison.Ordinal);
        if (!isApi && !isControl)
        {
            await next(http);
            return;
        }

        http.Response.Headers["Request-Id"] = Ids.New("req_", 14);
        try
        {
            runtime.SeeRequest(http);
            var bearer = Bearer(http);
            if (isControl)
            {
                // Behind the configured key when one is set, like the API. Without one it is open on loopback only: anyone who
                // can reach it could reset the state or move the clock.
                if (!string.IsNullOrEmpty(runtime.Options.ApiKey))
                {
                    Authenticate(bearer);
                }
                else if (listening.BeyondLoopback.Count > 0)
                {
                    throw ControlSurfaceClosed(listening.BeyondLoopback);
                }

                await RunAsync(http);
                return;
            }

            if (faults.Take(path) is { } fault)
            {
                await Task.Delay(fault.DelayMs, http.RequestAborted);
                if (fault.Status >= 400)
                {
                    throw InjectedError(fault.Status);
                }
            }

            if (path == StreamPath)
            {
                runtime.AuthenticateSession(bearer);
            }
            else
            {
                Authenticate(bearer);
            }

            var request = await ParseAsync(http);
            request.Attach(http);
            if (HttpMethods.IsPost(http.Request.Method) && request.IdempotencyKey is { Length: > 0 } key)
            {
                await WithIdempotencyAsync(http, key, $"{http.Request.Method} {path} {request.Fingerprint}");
                return;
            }

            await RunAsync(http);
        }
        catch (StripeError error)
        {
            await ErrorWriter.WriteAsync(http, error);
        }
    }

    private void Authenticate(string? bearer)
    {
        var configured = runtime.Options.ApiKey;
        if (string.IsNullOrEmpty(bearer))
        {
            throw StripeError.Unauthorized("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }

        var accepted = string.IsNullOrEmpty(configured) ? bearer.StartsWith("sk_test_", StringComparison.Ordinal) : bearer == configured;
        if (!accepted)
        {
            throw StripeError.Unauthorized($"Invalid API Key provided: {Mask(bearer)}");
        }
    }

    /// <summary>Why the control surface refuses every request when the emulator listens beyond loopback without a key.</summary>
    public static StripeError ControlSurfaceClosed(IReadOnlyList<string> addresses) =>
        new(HttpStatusCode.Forbidden, "invalid_request_error",
            $"The control surface is closed: the emulator listens beyond loopback ({string.Join(", ", addresses)}) and Emulator:ApiKey is not set. "
            + "Set Emulator:ApiKey and send it as 'Authorization: Bearer <key>', or listen on loopback only.");

    private static string Mask(string key) => key.Length <= 8 ? "****" : key[..8] + new string('*', key.Length - 12 > 0 ? key.Length - 12 : 4) + key[^4..];

    /// <summary>The key from <c>Bearer key</c>, or from Basic auth with the key as user name (as <c>curl -u sk_test_…:</c> sends).</summary>
    private static string? Bearer(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header[7..].Trim();
        }

        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            return decoded.Split(':')[0];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static StripeError InjectedError(int status) => status == 429
        ? new StripeError(HttpStatusCode.TooManyRequests, "rate_limit_error", "Request rate limit exceeded (injected by the emulator).", "rate_limit")
        : new StripeError((HttpStatusCode)status, "api_error", "An error injected by the emulator's control surface.");

    private static async Task<RequestInfo> ParseAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var isForm = http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ?? false;
        var query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value![1..] : null;
        var version = http.Request.Headers["Stripe-Version"].ToString();
        return new RequestInfo
        {
            Form = FormTree.Parse(query, isForm ? body : null),
            RawBody = body,
            ApiVersion = string.IsNullOrWhiteSpace(version) ? EmulatorOptions.DefaultApiVersion : version,
            RequestId = http.Response.Headers["Request-Id"].ToString(),
            IdempotencyKey = http.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null,
        };
    }

    private async Task WithIdempotencyAsync(HttpContext http, string key, string fingerprint)
    {
        if (!_inFlight.TryAdd(key, true))
        {
            // Stripe answers 409 while the first request with a key runs; the client retries it.
            throw new StripeError(HttpStatusCode.Conflict, "idempotency_error",
                "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later.");
        }

        var original = http.Response.Body;
        try
        {
            var cutoff = runtime.Clock.WallNow - 24 * 3600;
            var stored = runtime.Store.Read(state => state.Idempotency.GetValueOrDefault(key));
            if (stored is not null && stored.StoredAt > cutoff)
            {
                await ReplayAsync(http, key, fingerprint, stored);
                return;
            }

            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            await RunAsync(http);
            var body = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            var status = http.Response.StatusCode;
            runtime.Store.Write(state =>
            {
                foreach (var expired in state.Idempotency.Where(pair => pair.Value.StoredAt < cutoff).Select(pair => pair.Key).ToList())
                {
                    state.Idempotency.Remove(expired);
                }

                state.Idempotency[key] = new IdempotencyRecord
                {
                    Key = key,
                    Fingerprint = fingerprint,
                    Status = status,
                    Body = body,
                    StoredAt = runtime.Clock.WallNow,
                };
            });
            buffer.Position = 0;
            await buffer.CopyToAsync(original);
        }
        finally
        {
            http.Response.Body = original;
            _inFlight.TryRemove(key, out _);
        }
    }

    private static async Task ReplayAsync(HttpContext http, string key, string fingerprint, IdempotencyRecord stored)
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
    }

    /// <summary>Runs the endpoint, answering anything it throws in Stripe's error shape.</summary>
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
            logger.LogError(exception, "Emulator failure on {Path}", http.Request.Path);
            await ErrorWriter.WriteAsync(http, new StripeError(HttpStatusCode.InternalServerError, "api_error", "An unknown error occurred in the emulator."));
        }
    }
}
