using System.Security.Cryptography;
using System.Text;

namespace Billing.AppHost.Infrastructure;

/// <summary>
/// Passwords for the local data stores and database logins, generated once and kept beside the data they protect (in
/// the git-ignored data folder) so a restart finds the same database with the same passwords. The folder is its
/// owner's alone, and each secret is readable by its owner only from the moment its file exists.
/// </summary>
internal static class LocalSecrets
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static (string Value, string File) GetOrCreate(string dataDirectory, string name)
    {
        // The data folder itself stays open to other users: the local PostgreSQL runs as its own user beneath it.
        Directory.CreateDirectory(dataDirectory);
        var directory = Path.Combine(dataDirectory, "secrets");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnly | UnixFileMode.UserExecute);
        }

        var file = Path.Combine(directory, name);
        if (!File.Exists(file))
        {
            TryCreate(file, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
        }

        return (ReadWritten(file), file);
    }

    /// <summary>
    /// Creates the file only if none exists (<c>O_EXCL</c>), with mode 0600 from its creation rather than a wider mode
    /// narrowed afterwards, and writes the value in one call. A creator that loses the race keeps the winner's value.
    /// </summary>
    private static void TryCreate(string file, string value)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using var stream = new FileStream(file, options);
            stream.Write(Encoding.UTF8.GetBytes(value));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another creator got there first: its secret is the one everybody uses.
        }
    }

    /// <summary>The secret, once its creator has written it (a racing creator writes right after creating the file).</summary>
    private static string ReadWritten(string file)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var value = File.ReadAllText(file).Trim();
            if (value.Length > 0)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The secret file {file} is empty: delete it, and a new secret is generated.");
            }

            Thread.Sleep(10);
        }
    }
}
