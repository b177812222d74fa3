namespace Billing.Domain.Alerts;

/// <summary>What an alert measures: a metric against its included quantity, or the period's spend against the tenant's limit.</summary>
public enum AlertKind
{
    Included,
    Spend,
}
