namespace Billing.Api.Auth;

/// <summary>The operator key, from configuration (the AppHost's <c>operator-key</c> parameter).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public string? OperatorKey { get; set; }
}
