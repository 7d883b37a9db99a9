namespace AutoRemediate.Sandbox.State;

/// <summary>All plans and apps built from one definition, looked up case-insensitively as ARM does.</summary>
internal sealed class SandboxWorld
{
    private readonly Dictionary<string, SimulatedApp> _appsById = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SimulatedApp> _appsByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SimulatedPlan> _plansById = new(StringComparer.OrdinalIgnoreCase);

    public SandboxWorld(SandboxDefinition definition, DateTimeOffset now)
    {
        foreach (var planDefinition in definition.Plans)
        {
            var plan = new SimulatedPlan(planDefinition, now);
            _plansById[plan.ResourceId] = plan;
        }

        foreach (var appDefinition in definition.Apps)
        {
            var plan = _plansById[$"/subscriptions/{appDefinition.SubscriptionId}/resourceGroups/{appDefinition.ResourceGroup}/providers/Microsoft.Web/serverfarms/{appDefinition.PlanName}"];
            var app = new SimulatedApp(appDefinition, plan, now);
            plan.Attach(app);
            _appsById[app.ResourceId] = app;
            _appsByName[app.Name] = app;
        }

        Apps = [.. _appsById.Values];
        Plans = [.. _plansById.Values];
    }

    public IReadOnlyList<SimulatedApp> Apps { get; }

    public IReadOnlyList<SimulatedPlan> Plans { get; }

    public SimulatedApp? FindSite(string resourceId) => _appsById.GetValueOrDefault(resourceId);

    public SimulatedApp? FindSiteByName(string name) => _appsByName.GetValueOrDefault(name);

    public SimulatedPlan? FindPlan(string resourceId) => _plansById.GetValueOrDefault(resourceId);
}

/// <summary>
/// The Sandbox's world: plans and apps loaded from JSON, all in memory. <see cref="Reset"/> reloads the
/// definition; every time-based behaviour reads <see cref="Time"/> (TimeProvider.System unless a test
/// injects its own clock).
/// </summary>
public sealed class SandboxState
{
    private readonly Func<SandboxDefinition> _definition;
    private SandboxWorld _world;

    public SandboxState(SandboxDefinition definition, TimeProvider time)
        : this(() => definition, time)
    {
    }

    private SandboxState(Func<SandboxDefinition> definition, TimeProvider time)
    {
        _definition = definition;
        Time = time;
        _world = new SandboxWorld(definition(), time.GetUtcNow());
    }

    public TimeProvider Time { get; }

    public DateTimeOffset Now => Time.GetUtcNow();

    public IReadOnlyCollection<SimulatedApp> Apps => World.Apps;

    public IReadOnlyCollection<SimulatedPlan> Plans => World.Plans;

    private SandboxWorld World => Volatile.Read(ref _world);

    /// <summary>Loads the file now; <see cref="Reset"/> reads it again.</summary>
    public static SandboxState Load(string path, TimeProvider? time = null) => new(() => SandboxDefinition.Load(path), time ?? TimeProvider.System);

    public SimulatedApp? FindSite(string subscriptionId, string resourceGroup, string site) =>
        World.FindSite($"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/sites/{site}");

    /// <summary>Site names are global (DNS), so the SCM routes find a site by name alone.</summary>
    public SimulatedApp? FindSiteByName(string site) => World.FindSiteByName(site);

    public SimulatedPlan? FindPlan(string subscriptionId, string resourceGroup, string plan) =>
        World.FindPlan($"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/serverfarms/{plan}");

    /// <summary>Back to the initial state: the definition is read again, counters and processes start over.</summary>
    public void Reset() => Volatile.Write(ref _world, new SandboxWorld(_definition(), Now));
}
