using Billing.Testing;

namespace Billing.Deploy.Tests.Boot;

/// <summary>
/// The build output each billing image is published from (<c>dotnet publish -t:PublishContainer</c> of the project),
/// and the variables the .NET base images set before the manifest's own.
/// </summary>
public static class ServiceBinaries
{
    private static readonly Dictionary<string, (string Project, bool Web)> Images = new()
    {
        ["billing-api"] = ("Billing.Api", true),
        ["billing-worker"] = ("Billing.Worker", true),
        ["billing-migrations"] = ("Billing.MigrationService", false),
        ["billing-stripe-emulator"] = ("Billing.StripeEmulator", true),
    };

    /// <summary>The test's own build configuration (bin/&lt;configuration&gt;/net10.0), which the services were built in too.</summary>
    private static readonly string OutputPath = Path.GetRelativePath(
        Path.Combine(RepositoryPaths.Root, "tests", "Billing.Deploy.Tests"), AppContext.BaseDirectory);

    public static bool IsBillingImage(string imageName) => Images.ContainsKey(imageName);

    /// <summary>The service's folder: the image's working directory, holding the entry assembly and appsettings.</summary>
    public static string Directory(string imageName) => Path.Combine(RepositoryPaths.Root, Images[imageName].Project, OutputPath);

    public static string EntryAssembly(string imageName) => Path.Combine(Directory(imageName), Images[imageName].Project + ".dll");

    /// <summary>The ASP.NET base image listens on 8080; every .NET base image says it runs in a container.</summary>
    public static IReadOnlyDictionary<string, string> ImageEnvironment(string imageName) => Images[imageName].Web
        ? new Dictionary<string, string> { ["DOTNET_RUNNING_IN_CONTAINER"] = "true", ["ASPNETCORE_HTTP_PORTS"] = "8080" }
        : new Dictionary<string, string> { ["DOTNET_RUNNING_IN_CONTAINER"] = "true" };
}
