using System.Security.Cryptography;

namespace Billing.AppHost.Infrastructure;

/// <summary>
/// Passwords for the local data stores, generated once and kept beside the data they protect
/// (in the git-ignored data folder) so a restart finds the same database with the same password.
/// </summary>
internal static class LocalSecrets
{
    public static (string Value, string File) GetOrCreate(string dataDirectory, string name)
    {
        var directory = Path.Combine(dataDirectory, "secrets");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, name);
        if (!File.Exists(file))
        {
            var value = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            File.WriteAllText(file, value);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return (File.ReadAllText(file).Trim(), file);
    }
}
