using System.Net;
using Billing.StripeEmulator.Wire;
using Microsoft.Extensions.Options;

namespace Billing.StripeEmulator.State;

/// <summary>Opens units of work on the store for requests and for background work.</summary>
public sealed class EmulatorRuntime(StateStore store, EmulatorClock clock, IOptions<EmulatorOptions> options)
{
    private string _lastBaseUrl = "http://localhost";

    public StateStore Store { get; } = store;

    public EmulatorClock Clock { get; } = clock;

    public EmulatorOptions Options { get; } = options.Value;

    public string BaseUrl => string.IsNullOrWhiteSpace(Options.PublicUrl) ? Volatile.Read(ref _lastBaseUrl) : Options.PublicUrl.TrimEnd('/');

    public void SeeRequest(HttpContext http) =>
        Volatile.Write(ref _lastBaseUrl, $"{http.Request.Scheme}://{http.Request.Host}");

    /// <summary>Runs a handler under the lock; the result is rendered before the lock is released.</summary>
    public IResult Handle(HttpContext http, Func<Tx, RequestInfo, IResult> handler)
    {
        var request = RequestInfo.Of(http) ?? throw new InvalidOperationException("API requests are parsed by the Stripe middleware.");
        return Store.Write(state => handler(
            new Tx(state, Clock, Options, BaseUrl, request.ApiVersion, request.RequestId, request.IdempotencyKey), request));
    }

    public T Background<T>(Func<Tx, T> work) =>
        Store.Write(state => work(new Tx(state, Clock, Options, BaseUrl, EmulatorOptions.DefaultApiVersion, null, null)));

    /// <summary>Ensures the configured webhook endpoint exists, once per URL, also in a state loaded from the data file.</summary>
    public void Seed() => Store.Write(EnsureConfiguredEndpoint);

    /// <summary>Forgets everything except the configured webhook endpoint.</summary>
    public void Reset() => Store.Reset(EnsureConfiguredEndpoint);

    /// <summary>Checks a v2 meter event stream token; Stripe answers an unknown or expired one with 401.</summary>
    public void AuthenticateSession(string? token)
    {
        var now = Clock.WallNow;
        var valid = token is not null && Store.Read(state => state.MeterEventSessions.Values.Any(s => s.Token == token && s.ExpiresAt > now));
        if (!valid)
        {
            throw new StripeError(HttpStatusCode.Unauthorized, "temporary_session_expired",
                "The meter event session has expired or is invalid. Create a new session.", "billing_meter_event_session_expired");
        }
    }

    private void EnsureConfiguredEndpoint(EmulatorState state)
    {
        if (string.IsNullOrWhiteSpace(Options.WebhookUrl) || string.IsNullOrWhiteSpace(Options.WebhookSecret))
        {
            return;
        }

        var existing = state.WebhookEndpoints.Values.FirstOrDefault(w => w.Url == Options.WebhookUrl);
        if (existing is not null)
        {
            existing.Secret = Options.WebhookSecret;
            existing.EnabledEvents = ["*"];
            existing.Status = "enabled";
            return;
        }

        state.Add(state.WebhookEndpoints, new WebhookEndpointRecord
        {
            Id = Ids.New("we_"),
            Created = Clock.GlobalNow(state),
            Url = Options.WebhookUrl,
            Secret = Options.WebhookSecret,
            EnabledEvents = ["*"],
            Description = "Configured by Emulator:WebhookUrl",
        });
    }
}
