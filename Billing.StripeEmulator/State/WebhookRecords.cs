namespace Billing.StripeEmulator.State;

public sealed class WebhookEndpointRecord : Record
{
    public string Url { get; set; } = "";

    public string Secret { get; set; } = "";

    public List<string> EnabledEvents { get; set; } = [];

    public string? Description { get; set; }

    public string? ApiVersion { get; set; }

    public string Status { get; set; } = "enabled";

    public bool Matches(string eventType) =>
        Status == "enabled" && (EnabledEvents.Contains("*") || EnabledEvents.Contains(eventType));
}

public sealed class EventRecord : Record
{
    public string Type { get; set; } = "";

    public string ApiVersion { get; set; } = "";

    /// <summary>The full event JSON, frozen when the event happened.</summary>
    public string Json { get; set; } = "";
}

public sealed class DeliveryAttempt
{
    public long At { get; set; }

    public int? Status { get; set; }

    public string? Error { get; set; }
}

public sealed class DeliveryRecord : Record
{
    public string Event { get; set; } = "";

    public string EventType { get; set; } = "";

    public string Endpoint { get; set; } = "";

    public string Url { get; set; } = "";

    public List<DeliveryAttempt> Attempts { get; set; } = [];

    /// <summary>Wall-clock milliseconds of the next attempt; null once delivered or given up.</summary>
    public long? NextAttemptAtMs { get; set; }

    public bool Delivered { get; set; }
}

public sealed class IdempotencyRecord
{
    public string Key { get; set; } = "";

    public string Fingerprint { get; set; } = "";

    public int Status { get; set; }

    public string Body { get; set; } = "";

    /// <summary>Wall-clock seconds; entries expire after 24 hours.</summary>
    public long StoredAt { get; set; }
}
