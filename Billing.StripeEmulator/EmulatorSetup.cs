using Billing.StripeEmulator.Endpoints;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator;

/// <summary>State the configuration asks for, ensured at start-up and after a reset.</summary>
public static class EmulatorSetup
{
    /// <summary>One endpoint with the configured URL and secret, listening to every event; never duplicated.</summary>
    public static void EnsureConfiguredEndpoint(EmulatorState state, EmulatorOptions options, long now)
    {
        if (string.IsNullOrWhiteSpace(options.WebhookUrl) || string.IsNullOrWhiteSpace(options.WebhookSecret))
        {
            return;
        }

        var existing = state.WebhookEndpoints.Values.FirstOrDefault(w => w.Url == options.WebhookUrl);
        if (existing is null)
        {
            WebhookEndpointsEndpoints.Create(state, options.WebhookUrl, options.WebhookSecret, ["*"], now);
            return;
        }

        existing.Secret = options.WebhookSecret;
        existing.EnabledEvents = ["*"];
        existing.Status = "enabled";
    }
}
