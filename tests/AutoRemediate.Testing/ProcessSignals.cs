using System.Diagnostics;
using System.Globalization;

namespace AutoRemediate.Testing;

/// <summary>Sends a signal to a process and all its descendants (Linux), e.g. to freeze Azurite with STOP and thaw it with CONT.</summary>
public static class ProcessSignals
{
    /// <summary>Signals <paramref name="pid"/>'s children first, then the process itself.</summary>
    /// <remarks>Azurite runs as a child of its guard process: freeze both, or the child keeps answering.</remarks>
    public static void SignalTree(int pid, string signal)
    {
        var children = $"/proc/{pid}/task/{pid}/children";
        if (File.Exists(children))
        {
            foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                SignalTree(int.Parse(child, CultureInfo.InvariantCulture), signal);
            }
        }

        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
}
