using System.Text;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Webhooks;

/// <summary>
/// Delivers queued events one at a time in the order they were created, signed with the endpoint's secret;
/// a non-2xx answer or a timeout is retried with exponential backoff until the attempts run out.
/// </summary>
public sealed class WebhookDispatcher(EmulatorRuntime runtime, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);

    // Not from IHttpClientFactory: the service defaults add a resilience handler there, whose own retries would hide ours.
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = runtime.Store.Read(state =>
            {
                var now = runtime.Clock.WallNowMs;
                var due = state.Deliveries.Values
                    .Where(d => d.NextAttemptAtMs is { } at && at <= now)
                    .OrderBy(d => d.Seq)
                    .FirstOrDefault();
                if (due is null)
                {
                    return null;
                }

                var endpoint = state.WebhookEndpoints.GetValueOrDefault(due.Endpoint);
                var payload = state.Events.GetValueOrDefault(due.Event)?.Json;
                return new Work(due.Id, due.Url, endpoint?.Secret, payload);
            });
            if (next is null)
            {
                await Task.Delay(Idle, stoppingToken);
                continue;
            }

            var (status, error) = await SendAsync(next, stoppingToken);
            Record(next.DeliveryId, status, error);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private async Task<(int? Status, string? Error)> SendAsync(Work work, CancellationToken stoppingToken)
    {
        if (work.Secret is null || work.Payload is null)
        {
            return (null, "The endpoint or the event no longer exists.");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(runtime.Options.WebhookTimeoutMs);
            using var request = new HttpRequestMessage(HttpMethod.Post, work.Url)
            {
                Content = new StringContent(work.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", WebhookSignature.Header(work.Secret, work.Payload, runtime.Clock.WallNow));
            request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
            using var response = await _http.SendAsync(request, timeout.Token);
            return ((int)response.StatusCode, null);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return (null, exception.Message);
        }
    }

    private void Record(string deliveryId, int? status, string? error)
    {
        runtime.Store.Write(state =>
        {
            if (!state.Deliveries.TryGetValue(deliveryId, out var delivery))
            {
                return;
            }

            delivery.Attempts.Add(new DeliveryAttempt { At = runtime.Clock.WallNow, Status = status, Error = error });
            if (status is >= 200 and < 300)
            {
                delivery.Delivered = true;
                delivery.NextAttemptAtMs = null;
                return;
            }

            var attempts = delivery.Attempts.Count;
            delivery.NextAttemptAtMs = attempts >= runtime.Options.WebhookMaxAttempts
                ? null
                : runtime.Clock.WallNowMs + runtime.Options.WebhookRetryBaseMs * (1L << Math.Min(attempts - 1, 20));
            logger.LogInformation("Webhook delivery {Delivery} attempt {Attempt} failed ({Status}{Error})", deliveryId, attempts, status, error);
        });
    }

    private sealed record Work(string DeliveryId, string Url, string? Secret, string? Payload);
}
