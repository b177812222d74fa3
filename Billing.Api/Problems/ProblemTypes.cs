namespace Billing.Api.Problems;

/// <summary>The <c>type</c> URIs of this API's RFC 9457 problems (documented in the README).</summary>
public static class ProblemTypes
{
    private const string Base = "https://billing-aspire.dev/problems/";

    public const string MalformedJson = Base + "malformed-json";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string StoreUnavailable = Base + "store-unavailable";
    public const string EventsRefused = Base + "events-refused";
    public const string NoSubscription = Base + "no-subscription";
    public const string QuotaExceeded = Base + "quota-exceeded";
    public const string GaugeNotConsumable = Base + "gauge-not-consumable";
    public const string SubscriptionInactive = Base + "subscription-inactive";
    public const string RateLimited = Base + "rate-limited";
    public const string IngestionBudgetExceeded = Base + "ingestion-budget-exceeded";
    public const string PeriodTotalExceeded = Base + "period-total-exceeded";
    public const string InvalidSignature = Base + "invalid-signature";
    public const string NoAlertWebhook = Base + "no-alert-webhook";
    public const string InsufficientScope = Base + "insufficient-scope";
    public const string ApiKeyLimit = Base + "api-key-limit";
    public const string PlanChangeInProgress = Base + "plan-change-in-progress";
    public const string PaymentMethodRequired = Base + "payment-method-required";
    public const string PaymentDeclined = Base + "payment-declined";
    public const string AlreadySubscribed = Base + "already-subscribed";
    public const string InvoicedTenant = Base + "invoiced-tenant";
    public const string PaymentsNotConfigured = Base + "payments-not-configured";
    public const string WebhookNotFailed = Base + "webhook-not-failed";
    public const string GatewayRequestInvalid = Base + "gateway-request-invalid";
    public const string GatewayRouteRefused = Base + "gateway-route-refused";
    public const string GatewayLeaseClosed = Base + "gateway-lease-closed";
}
