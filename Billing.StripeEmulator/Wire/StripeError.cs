using System.Net;

namespace Billing.StripeEmulator.Wire;

/// <summary>An error answered in Stripe's shape: <c>{"error":{"type","code","message","param"}}</c>.</summary>
public sealed class StripeError(HttpStatusCode status, string type, string message, string? code = null, string? param = null, string? declineCode = null)
    : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string Type { get; } = type;

    public string? Code { get; } = code;

    public string? Param { get; } = param;

    /// <summary>The issuer's reason for a card error (<c>generic_decline</c>).</summary>
    public string? DeclineCode { get; } = declineCode;

    public static StripeError MissingParam(string param) =>
        new(HttpStatusCode.BadRequest, "invalid_request_error", $"Missing required param: {param}.", "parameter_missing", param);

    public static StripeError InvalidParam(string param, string message) =>
        new(HttpStatusCode.BadRequest, "invalid_request_error", message, "parameter_invalid", param);

    public static StripeError Invalid(string message, string? param = null, string? code = null) =>
        new(HttpStatusCode.BadRequest, "invalid_request_error", message, code, param);

    public static StripeError NotFound(string kind, string id, string param = "id") =>
        new(HttpStatusCode.NotFound, "invalid_request_error", $"No such {kind}: '{id}'", "resource_missing", param);

    /// <summary>What Stripe answers when a card is declined (402).</summary>
    public static StripeError CardDeclined(string? param = null) =>
        new(HttpStatusCode.PaymentRequired, "card_error", "Your card was declined.", "card_declined", param, "generic_decline");

    /// <summary>A charge with nothing to charge: no default payment method on the subscription or the customer.</summary>
    public static StripeError NoPaymentMethod() =>
        Invalid("This customer has no attached payment source or default payment method. Please consider adding a default payment method.");

    public static StripeError Unauthorized(string message) =>
        new(HttpStatusCode.Unauthorized, "invalid_request_error", message);
}
