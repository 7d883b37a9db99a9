using System.Security.Cryptography;
using System.Text;

namespace AutoRemediate.Sandbox.State;

/// <summary>One worker (VM) of a plan. Its id is what ARM lists under sites/{site}/instances and what the ARRAffinity cookie pins.</summary>
public sealed record SimulatedInstance(string Id, int Ordinal, DateTimeOffset CreatedAt, bool Initial)
{
    /// <summary>
    /// The worker's machine name: what Azure Monitor puts in the metrics' <c>Instance</c> dimension and Kudu in
    /// each process record's <c>machineName</c> (Windows: "RD" and 12 upper-case hex digits; Linux: the
    /// container host name). Not the ARM instance id.
    /// </summary>
    public string MachineName(bool isLinux) => MachineNameOf(Id, isLinux);

    /// <summary>The machine name of the instance with ARM id <paramref name="instanceId"/> (one definition for metrics, detectors and processes).</summary>
    public static string MachineNameOf(string instanceId, bool isLinux)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return isLinux ? instanceId[..12] : "RD" + instanceId[..12].ToUpperInvariant();
    }
}

/// <summary>The plan's capacity and worker size from a point in time on (for metrics over the past).</summary>
internal readonly record struct CapacityEpoch(DateTimeOffset From, int Capacity, int CoresPerWorker, long MemoryBytesPerWorker);

/// <summary>What a PATCH of the plan asks for.</summary>
public sealed record PlanChange(int? Capacity, SkuInfo? Sku);

/// <summary>A long-running PATCH of a plan, polled through its Azure-AsyncOperation/Location URL.</summary>
public sealed class PlanOperation
{
    public required string Id { get; init; }

    public required PlanChange Change { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string ApiVersion { get; init; }

    /// <summary>When set (fault <c>lroResult: "Failed"</c>), the operation ends Failed and the change is not applied.</summary>
    public string? FailWith { get; init; }

    /// <summary>InProgress, Succeeded or Failed.</summary>
    public string Status { get; internal set; } = "InProgress";

    public int Polls { get; internal set; }

    public DateTimeOffset? CompletedAt { get; internal set; }
}

/// <summary>
/// A simulated App Service plan: SKU, capacity (= instances), optional autoscale setting, pending
/// long-running operations and counters. Every read or change happens under <see cref="Gate"/>, which
/// also guards the state of the apps on the plan (their processes live on the plan's instances).
/// </summary>
public sealed class SimulatedPlan
{
    private const int MaxHistory = 500;
    private readonly List<SimulatedInstance> _instances = [];
    private readonly List<CapacityEpoch> _capacityHistory = [];
    private readonly Dictionary<string, PlanOperation> _operations = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<SimulatedApp> _apps = [];
    private int _nextOrdinal;

    internal SimulatedPlan(PlanDefinition definition, DateTimeOffset now)
    {
        SubscriptionId = definition.SubscriptionId;
        ResourceGroup = definition.ResourceGroup;
        Name = definition.Name;
        Location = definition.Location;
        Kind = definition.Kind;
        Sku = SkuCatalog.FromDefinition(definition.Sku);
        MaximumNumberOfWorkers = definition.MaximumNumberOfWorkers;
        Autoscale = definition.Autoscale;
        LroMode = definition.LroMode;
        LroInProgressPolls = Math.Max(0, definition.LroInProgressPolls);
        LroCompleteAfter = TimeSpan.FromSeconds(Math.Max(1, definition.LroCompleteAfterSeconds));
        LastChangedAt = now;
        // The workers existed long before the Sandbox started; the app processes on them carry their own start times.
        for (var i = 0; i < definition.Sku.Capacity; i++)
        {
            _instances.Add(NewInstance(now.AddYears(-1), initial: true));
        }

        DemandCoreUnits = definition.Sku.Capacity * Sku.Cores;
        _capacityHistory.Add(new CapacityEpoch(DateTimeOffset.MinValue, Capacity, Sku.Cores, Sku.MemoryBytes));
    }

    /// <summary>Guards this plan and the apps on it.</summary>
    public object Gate { get; } = new();

    public string SubscriptionId { get; }

    public string ResourceGroup { get; }

    public string Name { get; }

    public string Location { get; }

    public string Kind { get; }

    public bool IsLinux => Kind.Contains("linux", StringComparison.OrdinalIgnoreCase);

    public SkuInfo Sku { get; private set; }

    public int Capacity => _instances.Count;

    public int MaximumNumberOfWorkers { get; }

    public AutoscaleDefinition? Autoscale { get; }

    /// <summary><c>async</c> or <c>sync</c>; a fault with <c>lroMode</c> overrides it per request.</summary>
    public string LroMode { get; }

    public int LroInProgressPolls { get; }

    public TimeSpan LroCompleteAfter { get; }

    /// <summary>Plan changes applied (scale out/in, scale up/down, property changes): the "exactly one scale" counter.</summary>
    public int ScaleOperations { get; private set; }

    /// <summary>Times the autoscale setting moved a manual capacity back inside its range.</summary>
    public int AutoscaleAdjustments { get; private set; }

    public DateTimeOffset LastChangedAt { get; private set; }

    /// <summary>The CPU demand of a cpu-saturation app, in cores: what the initial plan ran at ~95 %.</summary>
    public double DemandCoreUnits { get; }

    public PlanOperation? Pending { get; private set; }

    public IReadOnlyList<SimulatedInstance> Instances => _instances;

    public IReadOnlyList<SimulatedApp> Apps => _apps;

    public string ResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/serverfarms/{Name}";

    public string AutoscaleResourceId => Autoscale is null
        ? string.Empty
        : $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Insights/autoscalesettings/{Autoscale.Name}";

    internal void Attach(SimulatedApp app) => _apps.Add(app);

    internal SimulatedInstance? FindInstance(string id) => _instances.FirstOrDefault(i => string.Equals(i.Id, id, StringComparison.OrdinalIgnoreCase));

    internal CapacityEpoch CapacityAt(DateTimeOffset t)
    {
        for (var i = _capacityHistory.Count - 1; i >= 0; i--)
        {
            if (_capacityHistory[i].From <= t)
            {
                return _capacityHistory[i];
            }
        }

        return _capacityHistory[0];
    }

    internal PlanOperation? FindOperation(string id) => _operations.GetValueOrDefault(id);

    /// <summary>Brings time-driven changes up to <paramref name="now"/>: unpolled operations that ran long enough, and autoscale.</summary>
    internal void Refresh(DateTimeOffset now)
    {
        if (Pending is { } pending && now >= pending.CreatedAt + LroCompleteAfter)
        {
            Complete(pending, pending.CreatedAt + LroCompleteAfter);
        }

        if (Autoscale is { Enabled: true } autoscale)
        {
            var due = LastChangedAt + TimeSpan.FromSeconds(autoscale.EvaluationSeconds);
            var wanted = Math.Clamp(Capacity, autoscale.Minimum, autoscale.Maximum);
            if (wanted != Capacity && now >= due)
            {
                Resize(wanted, due);
                _capacityHistory.Add(new CapacityEpoch(due, Capacity, Sku.Cores, Sku.MemoryBytes));
                AutoscaleAdjustments++;
                LastChangedAt = due;
            }
        }
    }

    /// <summary>Starts a long-running change; the caller checked there is none pending.</summary>
    internal PlanOperation Begin(PlanChange change, DateTimeOffset now, string apiVersion, string? failWith)
    {
        var operation = new PlanOperation
        {
            Id = Guid.NewGuid().ToString().ToUpperInvariant(),
            Change = change,
            CreatedAt = now,
            ApiVersion = apiVersion,
            FailWith = failWith,
        };
        _operations[operation.Id] = operation;
        Pending = operation;
        return operation;
    }

    /// <summary>One poll of the operation: InProgress for the first polls, then it completes.</summary>
    internal void Poll(PlanOperation operation, DateTimeOffset now)
    {
        operation.Polls++;
        if (operation.Status == "InProgress" && operation.Polls > LroInProgressPolls)
        {
            Complete(operation, now);
        }
    }

    /// <summary>Applies a change at once (sync PATCH, or a completed operation).</summary>
    internal void Apply(PlanChange change, DateTimeOffset at)
    {
        if (change.Sku is { } sku && !string.Equals(sku.Name, Sku.Name, StringComparison.OrdinalIgnoreCase))
        {
            Sku = sku;
            // Scale up/down moves the apps to new workers: every process starts again.
            foreach (var app in _apps)
            {
                app.RestartAll(at, "ScaleUp", countAsRestart: false);
            }
        }

        if (change.Capacity is { } capacity)
        {
            Resize(capacity, at);
        }

        _capacityHistory.Add(new CapacityEpoch(at, Capacity, Sku.Cores, Sku.MemoryBytes));
        if (_capacityHistory.Count > MaxHistory)
        {
            _capacityHistory.RemoveRange(1, _capacityHistory.Count - MaxHistory);
        }

        ScaleOperations++;
        LastChangedAt = at;
    }

    private void Complete(PlanOperation operation, DateTimeOffset at)
    {
        if (operation.Status != "InProgress")
        {
            return;
        }

        if (operation.FailWith is null)
        {
            Apply(operation.Change, at);
            operation.Status = "Succeeded";
        }
        else
        {
            operation.Status = "Failed";
        }

        operation.CompletedAt = at;
        if (ReferenceEquals(Pending, operation))
        {
            Pending = null;
        }
    }

    private void Resize(int capacity, DateTimeOffset at)
    {
        while (_instances.Count < capacity)
        {
            _instances.Add(NewInstance(at, initial: false));
        }

        while (_instances.Count > capacity)
        {
            var removed = _instances[^1];
            _instances.RemoveAt(_instances.Count - 1);
            foreach (var app in _apps)
            {
                app.DropInstance(removed.Id);
            }
        }
    }

    // Instance ids are 64 hex digits like App Service's, derived from the plan and a creation ordinal so
    // every app on the plan sees the same workers and a run is reproducible.
    private SimulatedInstance NewInstance(DateTimeOffset createdAt, bool initial)
    {
        var ordinal = _nextOrdinal++;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{SubscriptionId}/{ResourceGroup}/{Name}/{ordinal}".ToLowerInvariant()));
        return new SimulatedInstance(Convert.ToHexStringLower(hash), ordinal, createdAt, initial);
    }
}
