namespace Billing.StripeEmulator.State;

/// <summary>Everything the emulator knows; serialized whole to the data file.</summary>
public sealed class EmulatorState
{
    public long NextSeq { get; set; } = 1;

    /// <summary>Seconds added to the wall clock to give the emulator's global time.</summary>
    public long ClockOffsetSeconds { get; set; }

    public Dictionary<string, ProductRecord> Products { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, PriceRecord> Prices { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, CustomerRecord> Customers { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, MeterRecord> Meters { get; set; } = new(StringComparer.Ordinal);

    public List<MeterEventRecord> MeterEvents { get; set; } = [];

    public Dictionary<string, MeterEventSessionRecord> MeterEventSessions { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, SubscriptionRecord> Subscriptions { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, InvoiceRecord> Invoices { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, InvoiceItemRecord> InvoiceItems { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, PaymentMethodRecord> PaymentMethods { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, CheckoutSessionRecord> CheckoutSessions { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, SetupIntentRecord> SetupIntents { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, PortalSessionRecord> PortalSessions { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, TestClockRecord> TestClocks { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, WebhookEndpointRecord> WebhookEndpoints { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, EventRecord> Events { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, DeliveryRecord> Deliveries { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, IdempotencyRecord> Idempotency { get; set; } = new(StringComparer.Ordinal);

    public T Add<T>(Dictionary<string, T> table, T record) where T : Record
    {
        record.Seq = NextSeq++;
        table[record.Id] = record;
        return record;
    }

    public SubscriptionRecord? FindSubscriptionOfItem(string itemId) =>
        Subscriptions.Values.FirstOrDefault(s => s.Items.Any(i => i.Id == itemId));

    public static List<T> NewestFirst<T>(IEnumerable<T> records) where T : Record =>
        records.OrderByDescending(r => r.Seq).ToList();
}
