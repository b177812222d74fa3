using System.Text;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Webhooks;

/// <summary>
/// Delivers queued events in order of creation, signed with each endpoint's secret; a non-2xx answer, an error
/// or a timeout is retried with exponential backoff (<c>Emulator:WebhookRetryBaseMs</c> doubling per attempt).
/// </summary>
public sealed class WebhookDispatcher(EmulatorRuntime runtime, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(25);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own client: the service defaults' resilience handler would retry on its own and hide attempts.
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromMilliseconds(runtime.Options.WebhookTimeoutMs) };
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = runtime.Store.Read(state =>
            {
                var now = runtime.Clock.WallNowMs;
                return state.Deliveries.Values
                    .Where(d => d.NextAttemptAtMs <= now)
                    .OrderBy(d => d.Seq)
                    .Select(d => (d.Id, Payload: state.Events.GetValueOrDefault(d.Event)?.Json, Secret: state.WebhookEndpoints.GetValueOrDefault(d.Endpoint)?.Secret, d.Url))
                    .ToList();
            });
            foreach (var (id, payload, secret, url) in due)
            {
                var attempt = payload is null || secret is null
                    ? new DeliveryAttempt { At = runtime.Clock.WallNow, Error = "The event or endpoint no longer exists." }
                    : await SendAsync(http, url, payload, secret, stoppingToken);
                Record(id, attempt);
            }

            try
            {
                await Task.Delay(Idle, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<DeliveryAttempt> SendAsync(HttpClient http, string url, string payload, string secret, CancellationToken token)
    {
        var now = runtime.Clock.WallNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", WebhookSignature.Header(secret, payload, now));
        request.Headers.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        try
        {
            using var response = await http.SendAsync(request, token);
            return new DeliveryAttempt { At = now, Status = (int)response.StatusCode };
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
        {
            logger.LogInformation("Webhook delivery to {Url} failed: {Error}", url, exception.Message);
            return new DeliveryAttempt { At = now, Error = exception.Message };
        }
    }

    private void Record(string deliveryId, DeliveryAttempt attempt) => runtime.Store.Write(state =>
    {
        if (!state.Deliveries.TryGetValue(deliveryId, out var delivery))
        {
            return;
        }

        delivery.Attempts.Add(attempt);
        delivery.Delivered = attempt.Status is >= 200 and < 300;
        var options = runtime.Options;
        delivery.NextAttemptAtMs = delivery.Delivered || delivery.Attempts.Count >= options.WebhookMaxAttempts
            ? null
            : runtime.Clock.WallNowMs + (long)options.WebhookRetryBaseMs * (1L << Math.Min(delivery.Attempts.Count - 1, 20));
    });
}
