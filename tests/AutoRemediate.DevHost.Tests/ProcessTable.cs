using System.Globalization;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// One process as Linux's <c>/proc/[pid]/stat</c> shows it. Its start time (clock ticks after boot)
/// with its pid names one process even after the pid is reused.
/// </summary>
internal sealed record ProcessEntry(int Pid, int ParentPid, int GroupId, int SessionId, char State, long StartTime, string Command)
{
    /// <summary>Exited but not yet reaped: it runs nothing, holds no port.</summary>
    public bool IsZombie => State is 'Z' or 'X';

    public override string ToString() => $"{Pid} (group {GroupId}, session {SessionId}, state {State}) {Command}";
}

/// <summary>The processes running now, read from <c>/proc</c>: what the process tests check "nothing left behind" against.</summary>
internal static class ProcessTable
{
    public static IReadOnlyList<ProcessEntry> Snapshot()
    {
        var entries = new List<ProcessEntry>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    public static ProcessEntry? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid pgrp session ... starttime(22nd)"; comm may hold spaces and parentheses.
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            var command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return new ProcessEntry(
                pid,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                fields[0][0],
                long.Parse(fields[19], CultureInfo.InvariantCulture),
                command);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone between listing /proc and reading it.
            return null;
        }
    }

    /// <summary>The process and every process below it.</summary>
    public static IReadOnlyList<ProcessEntry> Tree(int pid)
    {
        var all = Snapshot();
        var tree = all.Where(p => p.Pid == pid).ToList();
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(all.Where(p => p.ParentPid == tree[i].Pid));
        }

        return tree;
    }

    /// <summary>Those of <paramref name="processes"/> (the same pid and start time) that still run.</summary>
    public static IReadOnlyList<ProcessEntry> StillRunning(IEnumerable<ProcessEntry> processes) =>
        [.. processes.Select(p => Read(p.Pid) is { IsZombie: false } now && now.StartTime == p.StartTime ? now : null).OfType<ProcessEntry>()];

    /// <summary>Running processes in any of these process groups, except those that started before <paramref name="since"/> (reused ids).</summary>
    public static IReadOnlyList<ProcessEntry> InGroups(IEnumerable<int> groups, long since)
    {
        var set = groups.ToHashSet();
        return [.. Snapshot().Where(p => set.Contains(p.GroupId) && !p.IsZombie && p.StartTime >= since)];
    }

    /// <summary>The process group of this test process: never one to kill.</summary>
    public static int OwnGroup => Read(Environment.ProcessId)!.GroupId;

    /// <summary>Sends SIGKILL to each of them, one pid at a time; a process that is already gone is no error.</summary>
    public static void Kill(IEnumerable<ProcessEntry> processes)
    {
        foreach (var process in processes.Where(p => p.Pid > 1 && p.Pid != Environment.ProcessId))
        {
            try
            {
                using var running = System.Diagnostics.Process.GetProcessById(process.Pid);
                running.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }
}
