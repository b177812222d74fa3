namespace Billing.Domain.Quotas;

/// <summary>Allow; allow with a warning (past a soft cap, or inside a hard cap's grace); deny.</summary>
public enum QuotaDecisionKind
{
    Allow,
    Warn,
    Deny,
}
