using Billing.AppHost.Infrastructure;

namespace Billing.AppHost.Tests.Infrastructure;

/// <summary>The local passwords: private from the moment they exist, created once, and the same for every caller.</summary>
public sealed class LocalSecretsTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("billing-secrets-test-").FullName;

    private string SecretsDirectory => Path.Combine(_dataDirectory, "secrets");

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_new_secret_is_its_owners_alone_in_a_folder_that_is_its_owners_alone()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");

        var (value, file) = LocalSecrets.GetOrCreate(_dataDirectory, "postgres-password");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(SecretsDirectory));
        Assert.Equal(48, value.Length);
        Assert.Equal(value, File.ReadAllText(file));
        Assert.Equal([file], Directory.GetFiles(SecretsDirectory));
    }

    [Fact]
    public async Task Callers_racing_to_create_a_secret_all_get_the_one_that_was_kept()
    {
        for (var round = 0; round < 20; round++)
        {
            var name = $"raced-{round}";
            using var start = new Barrier(16);
            var values = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                return LocalSecrets.GetOrCreate(_dataDirectory, name).Value;
            }, TestContext.Current.CancellationToken)));

            var kept = File.ReadAllText(Path.Combine(SecretsDirectory, name));
            Assert.Equal(48, kept.Length);
            Assert.All(values, v => Assert.Equal(kept, v));
        }

        Assert.Equal(20, Directory.GetFiles(SecretsDirectory).Length);
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
