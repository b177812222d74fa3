namespace Billing.Testing;

/// <summary>Locates files of the repository from a test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string LocalProcessScript(string name) => Path.Combine(Root, "Billing.AppHost", "LocalProcesses", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Billing.Aspire.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Billing.Aspire.sln not found above " + AppContext.BaseDirectory);
    }
}
