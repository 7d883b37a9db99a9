using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoRemediate.Sandbox.State;

/// <summary>One simulated App Service app.</summary>
public sealed class SimulatedApp
{
    public required string SubscriptionId { get; init; }

    public required string ResourceGroup { get; init; }

    public required string Name { get; init; }

    public required string PlanName { get; init; }

    public string Location { get; init; } = "West Europe";

    public string Kind { get; init; } = "app";

    public string State { get; set; } = "Running";

    /// <summary>The scenario that drives this app's behaviour (healthy, memory-leak, ...).</summary>
    public string Scenario { get; init; } = "healthy";

    public int InstanceCount { get; set; } = 2;

    [JsonIgnore]
    public string ResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{Name}";

    [JsonIgnore]
    public string PlanResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/serverfarms/{PlanName}";
}

/// <summary>The Sandbox's world: apps loaded from JSON, looked up case-insensitively as ARM does.</summary>
public sealed class SandboxState
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, SimulatedApp> _apps;

    public SandboxState(IEnumerable<SimulatedApp> apps)
    {
        _apps = apps.ToDictionary(a => a.ResourceId, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyCollection<SimulatedApp> Apps => _apps.Values;

    public static SandboxState Load(string path)
    {
        using var stream = File.OpenRead(path);
        var apps = JsonSerializer.Deserialize<List<SimulatedApp>>(stream, s_json)
            ?? throw new InvalidDataException($"'{path}' holds no apps.");
        return new SandboxState(apps);
    }

    public SimulatedApp? FindSite(string subscriptionId, string resourceGroup, string site) =>
        _apps.GetValueOrDefault($"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/sites/{site}");
}
