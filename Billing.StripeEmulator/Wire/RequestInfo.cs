namespace Billing.StripeEmulator.Wire;

/// <summary>What the emulator reads once from each API request: the parameters and Stripe's headers.</summary>
public sealed class RequestInfo
{
    private const string ItemKey = "Billing.StripeEmulator.Request";

    public required FormTree Form { get; init; }

    public required string RawBody { get; init; }

    /// <summary>What two requests must share to be "the same parameters" for an idempotency key.</summary>
    public string Fingerprint => Form.Fingerprint() + "|" + (Form.HasChildren ? "" : RawBody);

    public required string ApiVersion { get; init; }

    public required string RequestId { get; init; }

    public string? IdempotencyKey { get; init; }

    public IReadOnlyList<string> Expand => Form.Strings("expand");

    public static RequestInfo? Of(HttpContext http) => http.Items.TryGetValue(ItemKey, out var value) ? value as RequestInfo : null;

    public void Attach(HttpContext http) => http.Items[ItemKey] = this;
}
