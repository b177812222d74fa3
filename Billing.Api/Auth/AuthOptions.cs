namespace Billing.Api.Auth;

/// <summary>The operator key (the AppHost's <c>operator-key</c> parameter) and how unknown keys are remembered (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public string? OperatorKey { get; set; }

    /// <summary>How long a key the database did not know is refused without asking it again.</summary>
    public int UnknownKeyCacheSeconds { get; set; } = 30;

    /// <summary>How many unknown keys are remembered at most (memory stays bounded under a flood of random keys).</summary>
    public int UnknownKeyCacheEntries { get; set; } = 10_000;
}
