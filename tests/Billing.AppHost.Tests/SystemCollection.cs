namespace Billing.AppHost.Tests;

/// <summary>One running system shared by every test class of this project (starting it takes most of the time).</summary>
[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "system";
}
