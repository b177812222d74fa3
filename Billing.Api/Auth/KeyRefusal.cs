namespace Billing.Api.Auth;

/// <summary>Why a presented tenant or operator key was not accepted.</summary>
public enum KeyRefusal
{
    /// <summary>Not the operator key, and not shaped like a tenant key: refused without a lookup.</summary>
    Malformed,

    /// <summary>Unknown, revoked or expired (looked up, or remembered as unknown).</summary>
    Unknown,

    /// <summary>Its address presented too many bad keys: refused before any lookup.</summary>
    Throttled,
}
