using System.Diagnostics;
using System.Globalization;

/// <summary>
/// CPU time used so far by this process (DevHost, Durable sidecar and worker, Sandbox, benchmark client) and by Azurite
/// (every process of its guard's process group), read from /proc. Two readings bracket a window; their difference over
/// the window's length is how many of the machine's cores each kept busy.
/// </summary>
internal static class CpuMeter
{
    /// <summary>Azurite's process groups (each guard's process id), set once Azurite is started; their CPU is summed.</summary>
    public static IReadOnlyList<int?> AzuriteProcessGroups { get; set; } = [];

    /// <summary>A reading, in CPU-seconds.</summary>
    internal readonly record struct Reading(DateTime At, double Self, double Azurite);

    public static Reading Read() => new(DateTime.UtcNow, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, AzuriteSeconds());

    /// <summary>"process 4.1 CPU-s (83 ms per incident), Azurite 2.9 CPU-s (58 ms per incident), 1.93 of 2 cores busy".</summary>
    public static string Between(Reading from, Reading to, int incidents)
    {
        var self = to.Self - from.Self;
        var azurite = to.Azurite - from.Azurite;
        var seconds = Math.Max(0.001, (to.At - from.At).TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"cpu over {seconds:0.0}s: process {self:0.0} CPU-s ({self * 1000 / incidents:0} ms per incident), Azurite {azurite:0.0} CPU-s ({azurite * 1000 / incidents:0} ms per incident), {(self + azurite) / seconds:0.00} of {Environment.ProcessorCount} cores busy");
    }

    // utime + stime of every process whose process group is one of Azurite's; /proc/<pid>/stat counts in clock ticks (100 a second).
    private static double AzuriteSeconds()
    {
        var groups = AzuriteProcessGroups.OfType<int>().ToHashSet();
        if (groups.Count == 0 || !OperatingSystem.IsLinux())
        {
            return 0;
        }

        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (groups.Contains(int.Parse(fields[2], CultureInfo.InvariantCulture)))
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        return ticks / 100.0;
    }
}
