using System.Globalization;

namespace Billing.Testing;

/// <summary>Processes as Linux's <c>/proc</c> shows them: for faults sent to a server and the processes it forked.</summary>
public static class ProcessTree
{
    public static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture));

    /// <summary>The processes <paramref name="parent"/> forked (nginx's workers, PostgreSQL's backends).</summary>
    public static IEnumerable<int> ChildrenOf(int parent) => Pids().Where(pid => ParentOf(pid) == parent);

    public static int? ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": the command may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
