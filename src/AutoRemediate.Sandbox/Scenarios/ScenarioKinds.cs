namespace AutoRemediate.Sandbox.Scenarios;

/// <summary>What is wrong with a simulated app; drives everything it reports.</summary>
public enum ScenarioKind
{
    Healthy,
    MemoryLeak,
    CpuSaturation,
    CrashLoop,
    OneBadInstance,
    PlatformOutage,
}

/// <summary>The scenario names used in <c>sandbox.apps.json</c>.</summary>
public static class ScenarioKinds
{
    private static readonly Dictionary<string, ScenarioKind> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["healthy"] = ScenarioKind.Healthy,
        ["memory-leak"] = ScenarioKind.MemoryLeak,
        ["cpu-saturation"] = ScenarioKind.CpuSaturation,
        ["crash-loop"] = ScenarioKind.CrashLoop,
        ["one-bad-instance"] = ScenarioKind.OneBadInstance,
        ["platform-outage"] = ScenarioKind.PlatformOutage,
    };

    public static IEnumerable<string> Names => s_byName.Keys;

    public static bool TryParse(string? name, out ScenarioKind kind) => s_byName.TryGetValue(name ?? string.Empty, out kind);
}
