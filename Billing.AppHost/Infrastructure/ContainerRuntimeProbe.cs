using System.Diagnostics;

namespace Billing.AppHost.Infrastructure;

/// <summary>Asks the container runtime's client whether an engine answers.</summary>
/// <remarks>A client with no engine behind it (docker installed, daemon absent) must count as "no runtime".</remarks>
internal static class ContainerRuntimeProbe
{
    public static bool EngineAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0 && process.StandardOutput.ReadToEnd().Trim().Length > 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
