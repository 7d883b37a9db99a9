using AutoRemediate.Shared;

namespace AutoRemediate.Evidence;

/// <summary>
/// The two names of an instance. ARM lists and acts on instances by their instance id; Azure Monitor's
/// metrics (and the diagnostics' tables) name them by the worker's machine name (RD… on Windows). The only
/// link the pipeline can read is the <c>machineName</c> on each instance's process records
/// (<see cref="WorkerProcess.MachineName"/>), so the map is as good as the process lists: an instance whose
/// list could not be read, or whose records lack the field, has no known machine name.
/// </summary>
public static class InstanceNames
{
    /// <summary>
    /// Metric Instance names to ARM instance ids, case-insensitive: each process record's machine name to its
    /// instance, and each listed ARM id to itself (so a name that already is an ARM id maps too).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ArmIdsByName(IncidentFindings findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in findings.Instances)
        {
            map.TryAdd(id, id);
        }

        foreach (var process in findings.Processes ?? [])
        {
            if (process.MachineName is { Length: > 0 } name)
            {
                map.TryAdd(name, process.InstanceId);
            }
        }

        return map;
    }

    /// <summary>The ARM instance id a metric Instance name stands for; null when it cannot be mapped.</summary>
    public static string? ArmId(IncidentFindings findings, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ArmIdsByName(findings).TryGetValue(name, out var id) ? id : null;
    }

    /// <summary>The machine name of an ARM instance, from its process records; null when none carries one.</summary>
    public static string? MachineName(IncidentFindings findings, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return (findings.Processes ?? []).FirstOrDefault(p => p.MachineName is { Length: > 0 } && string.Equals(p.InstanceId, instanceId, StringComparison.OrdinalIgnoreCase))?.MachineName;
    }

    /// <summary>An instance for people: the short ARM id and the machine name, or whichever is known.</summary>
    public static string Label(string? instanceId, string? machineName) => (instanceId, machineName) switch
    {
        ({ } id, { } name) when !string.Equals(id, name, StringComparison.OrdinalIgnoreCase) => $"{Display.ShortId(id)} ({name})",
        ({ } id, _) => Display.ShortId(id),
        (null, { } name) => name,
        _ => "?",
    };
}
