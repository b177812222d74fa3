namespace Billing.StripeEmulator.State;

public sealed class MeterRecord : Record
{
    public string DisplayName { get; set; } = "";

    public string EventName { get; set; } = "";

    public string Formula { get; set; } = "sum";

    public string CustomerPayloadKey { get; set; } = "stripe_customer_id";

    public string ValuePayloadKey { get; set; } = "value";

    public string Status { get; set; } = "active";

    public long Updated { get; set; }

    public long? DeactivatedAt { get; set; }
}

public sealed class MeterEventRecord
{
    public string Identifier { get; set; } = "";

    public string EventName { get; set; } = "";

    public Dictionary<string, string> Payload { get; set; } = new(StringComparer.Ordinal);

    public long Timestamp { get; set; }

    public long Created { get; set; }

    /// <summary>Real (wall-clock) receipt time, which bounds identifier reuse and cancellation.</summary>
    public long ReceivedAt { get; set; }

    public long Seq { get; set; }

    public bool Cancelled { get; set; }
}

public sealed class MeterEventSessionRecord
{
    public string Id { get; set; } = "";

    public string Token { get; set; } = "";

    public long Created { get; set; }

    public long ExpiresAt { get; set; }
}
