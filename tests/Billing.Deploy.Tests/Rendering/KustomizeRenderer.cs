using System.Diagnostics;
using System.Text.RegularExpressions;
using Billing.Testing;

namespace Billing.Deploy.Tests.Rendering;

/// <summary>
/// Renders an overlay with <c>kubectl kustomize</c> from a copy of <c>deploy/kubernetes</c> whose git-ignored secret
/// files are written the way an operator writes them: the local overlay's by its <c>generate-secrets.sh</c>, the
/// production overlay's by filling every <c>&lt;placeholder&gt;</c> of the committed examples with a test value.
/// </summary>
public static partial class KustomizeRenderer
{
    public static string DeployDirectory { get; } = Path.Combine(RepositoryPaths.Root, "deploy", "kubernetes");

    /// <summary>A fresh copy of the deployment files with secrets written, ready to render or to change first.</summary>
    public static async Task<string> PrepareCopyAsync(string overlay)
    {
        var copy = Directory.CreateTempSubdirectory("billing-deploy-").FullName;
        foreach (var file in Directory.EnumerateFiles(DeployDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(DeployDirectory, file);
            // Secret files an operator wrote in this clone are not the test's to read.
            if (relative.EndsWith(".env", StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
            File.Copy(file, Path.Combine(copy, relative));
        }

        var overlayDirectory = Path.Combine(copy, "overlays", overlay);
        if (File.Exists(Path.Combine(overlayDirectory, "generate-secrets.sh")))
        {
            await RunAsync("bash", [Path.Combine(overlayDirectory, "generate-secrets.sh")]);
        }
        else
        {
            foreach (var example in Directory.EnumerateFiles(Path.Combine(overlayDirectory, "secrets"), "*.env.example"))
            {
                var filled = Placeholder().Replace(await File.ReadAllTextAsync(example), match => $"test-{match.Groups[1].Value.Replace('_', '-')}");
                await File.WriteAllTextAsync(example[..^".example".Length], filled);
            }
        }

        return copy;
    }

    /// <summary>The YAML <c>kubectl kustomize</c> prints for the overlay of a prepared copy.</summary>
    public static Task<string> RenderAsync(string copy, string overlay) =>
        RunAsync("kubectl", ["kustomize", Path.Combine(copy, "overlays", overlay)]);

    private static async Task<string> RunAsync(string command, string[] arguments)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{command} could not be started ({e.Message}); eng/prerequisites.sh installs what the tests need.", e);
        }

        using var _ = process;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await errors}");
    }

    [GeneratedRegex("<([A-Za-z0-9_-]+)>")]
    private static partial Regex Placeholder();
}
