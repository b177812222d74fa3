namespace Billing.MigrationService;

/// <summary>Development seeding.</summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    /// <summary>A <c>bk_…</c> key for the demo tenant (the dashboard's one-click sign-in), stored as a hash only.</summary>
    public string? DemoApiKey { get; set; }
}
