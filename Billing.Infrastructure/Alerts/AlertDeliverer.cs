using System.Text;
using System.Text.Json;
using Billing.Domain.Alerts;
using Billing.Domain.Catalog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// Delivers due alerts: a signed JSON POST to the tenant's URL, retried with exponential backoff on a non-2xx answer,
/// a timeout or a connection failure, until <see cref="AlertOptions.MaxAttempts"/>. Several deliverers may run at once:
/// each alert is claimed by one (see <see cref="AlertOutbox.ClaimDueAsync"/>). The clock is read for each batch's claim
/// and for each request: a pass that delivers many batches to slow endpoints outlasts any lease computed at its start,
/// and a receiver rejects a signature whose timestamp is minutes old.
/// </summary>
public sealed class AlertDeliverer(
    NpgsqlDataSource dataSource,
    IHttpClientFactory httpClients,
    IOptions<AlertOptions> options,
    BillingCatalog catalog,
    AlertMetrics metrics,
    TimeProvider clock,
    ILogger<AlertDeliverer> logger)
{
    public const string HttpClientName = "alert-webhooks";

    /// <summary>The largest part of an endpoint's error kept in <c>last_error</c>.</summary>
    private const int MaxErrorLength = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record PassResult(int Delivered, int Retrying, int Failed, int Skipped);

    /// <summary>Delivers every alert due, a batch at a time: each batch is claimed when the previous one is done.</summary>
    public async Task<PassResult> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // A lease outlasts its batch's HTTP calls, so no other deliverer takes an alert this one is still sending.
        var leaseLength = (settings.DeliveryTimeout * Math.Ceiling((double)settings.BatchSize / settings.Parallelism)) + TimeSpan.FromMinutes(1);
        var outcomes = new List<string>();
        IReadOnlyList<DueAlert> batch;
        do
        {
            var claimedAt = clock.GetUtcNow();
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            {
                batch = await AlertOutbox.ClaimDueAsync(connection, claimedAt, claimedAt + leaseLength, settings.BatchSize, cancellationToken);
            }

            var statuses = new string[batch.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
                new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken },
                async (i, token) => statuses[i] = await DeliverAsync(batch[i], token));
            outcomes.AddRange(statuses);
        }
        while (batch.Count == settings.BatchSize);

        return new PassResult(
            outcomes.Count(s => s == AlertDeliveryStatus.Delivered),
            outcomes.Count(s => s == AlertDeliveryStatus.Pending),
            outcomes.Count(s => s == AlertDeliveryStatus.Failed),
            outcomes.Count(s => s == AlertDeliveryStatus.Skipped));
    }

    private async Task<string> DeliverAsync(DueAlert alert, CancellationToken cancellationToken)
    {
        // The attempt's time: the signature's t, the delivery's time, the start of a retry's wait.
        var now = clock.GetUtcNow();
        var outcome = alert.WebhookUrl is null || alert.WebhookSecret is null
            ? new DeliveryOutcome(AlertDeliveryStatus.Skipped, alert.Attempts, null, null, null)
            : Outcome(alert, now, await SendAsync(alert.Payload, alert.WebhookUrl, alert.WebhookSecret, now, cancellationToken));
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await AlertOutbox.RecordAsync(connection, alert.Payload.Id, outcome, cancellationToken);
        }

        if (outcome.Status == AlertDeliveryStatus.Delivered)
        {
            metrics.Delivered();
        }
        else if (outcome.Status == AlertDeliveryStatus.Failed)
        {
            metrics.Failed();
            logger.LogWarning("Alert {AlertId} of tenant {TenantId} failed after {Attempts} attempts: {Error}",
                alert.Payload.Id, alert.Payload.TenantId, outcome.Attempts, outcome.Error);
        }

        return outcome.Status;
    }

    /// <summary>Null when the endpoint accepted the alert; otherwise why it did not.</summary>
    private async Task<string?> SendAsync(AlertWebhookPayload payload, string url, string secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Saved before https was required, or while this ran as Development: never sent in clear outside it.
        if (options.Value.AllowHttp != true && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return "Only https webhook URLs are delivered to (Alerts:AllowHttp is off outside Development).";
        }

        // Serialized once: the signature covers exactly the bytes sent.
        var body = JsonSerializer.Serialize(payload with { Currency = payload.Kind == AlertKind.Spend.ToKey() ? catalog.Currency : null }, Json);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add(AlertSignature.HeaderName, AlertSignature.Header(secret, now, body));
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"No answer within {options.Value.DeliveryTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or UriFormatException)
        {
            return Truncate(e.Message);
        }
    }

    private DeliveryOutcome Outcome(DueAlert alert, DateTimeOffset now, string? error)
    {
        var attempts = alert.Attempts + 1;
        if (error is null)
        {
            return new DeliveryOutcome(AlertDeliveryStatus.Delivered, attempts, null, now, null);
        }

        var settings = options.Value;
        return attempts >= settings.MaxAttempts
            ? new DeliveryOutcome(AlertDeliveryStatus.Failed, attempts, null, null, error)
            : new DeliveryOutcome(AlertDeliveryStatus.Pending, attempts, now + DeliveryBackoff.After(attempts, settings.RetryBaseDelay, settings.RetryMaxDelay), null, error);
    }

    private static string Truncate(string message) => message.Length <= MaxErrorLength ? message : message[..MaxErrorLength];
}
