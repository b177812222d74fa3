namespace Billing.Domain.Catalog;

/// <summary>The five things the product meters. Keys (see <see cref="MetricKeys"/>) are also Stripe meter event names.</summary>
public enum Metric
{
    LlmTokens,
    ApiCalls,
    AgentExecutions,
    StorageMb,
    UserSeats,
}
