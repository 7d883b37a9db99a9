using AutoRemediate.Sandbox.Scenarios;

namespace AutoRemediate.Sandbox.State;

/// <summary>Which of the two processes an app runs on each instance.</summary>
public enum ProcessRole
{
    /// <summary>The site's worker: w3wp on Windows, dotnet on Linux.</summary>
    Worker,

    /// <summary>The SCM site's w3wp on Windows (is_scm_site), sshd in the Linux container.</summary>
    Helper,
}

/// <summary>A process of an app on one instance. A killed or restarted process is replaced by a new one with a new pid.</summary>
public sealed record SimulatedProcess(int Pid, ProcessRole Role, DateTimeOffset StartedAt, int Generation);

/// <summary>A worker process's life: from when it started, and its generation (0 = the one the Sandbox started with).</summary>
internal readonly record struct WorkerEpoch(DateTimeOffset StartedAt, int Generation);

/// <summary>Something that happened to a process (for the sitecrashes detector and tests).</summary>
public sealed record ProcessEvent(DateTimeOffset At, string InstanceId, int Pid, string ProcessName, string Reason);

/// <summary>The processes of one app on one instance, with the history of its worker for metrics over the past.</summary>
internal sealed class InstanceProcesses
{
    private const int MaxHistory = 200;
    private readonly List<WorkerEpoch> _history = [];
    private int _nextPid = 3;

    public InstanceProcesses(DateTimeOffset startedAt)
    {
        Worker = new SimulatedProcess(1, ProcessRole.Worker, startedAt, 0);
        Helper = new SimulatedProcess(2, ProcessRole.Helper, startedAt, 0);
        _history.Add(new WorkerEpoch(startedAt, 0));
    }

    public SimulatedProcess Worker { get; private set; }

    public SimulatedProcess Helper { get; private set; }

    public IEnumerable<SimulatedProcess> All => [Worker, Helper];

    public SimulatedProcess? Find(int pid) => Worker.Pid == pid ? Worker : Helper.Pid == pid ? Helper : null;

    public void ReplaceWorker(DateTimeOffset at)
    {
        Worker = new SimulatedProcess(_nextPid++, ProcessRole.Worker, at, Worker.Generation + 1);
        _history.Add(new WorkerEpoch(at, Worker.Generation));
        if (_history.Count > MaxHistory)
        {
            _history.RemoveAt(0);
        }
    }

    public void ReplaceHelper(DateTimeOffset at) => Helper = new SimulatedProcess(_nextPid++, ProcessRole.Helper, at, Helper.Generation + 1);

    /// <summary>The worker that ran at <paramref name="t"/> (the oldest known one before the history starts).</summary>
    public WorkerEpoch WorkerAt(DateTimeOffset t)
    {
        for (var i = _history.Count - 1; i >= 0; i--)
        {
            if (_history[i].StartedAt <= t)
            {
                return _history[i];
            }
        }

        return _history[0];
    }
}

/// <summary>
/// A simulated web app: its ARM properties, scenario, the processes it runs on each instance of its
/// plan, and counters tests assert on. Guarded by its plan's <see cref="SimulatedPlan.Gate"/>.
/// </summary>
public sealed class SimulatedApp
{
    private const int MaxEvents = 500;
    private readonly Dictionary<string, InstanceProcesses> _processes = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ProcessEvent> _events = [];
    private readonly TimeSpan _initialUptime;

    internal SimulatedApp(AppDefinition definition, SimulatedPlan plan, DateTimeOffset loadedAt)
    {
        SubscriptionId = definition.SubscriptionId;
        ResourceGroup = definition.ResourceGroup;
        Name = definition.Name;
        Location = definition.Location;
        Kind = definition.Kind;
        State = definition.State;
        Scenario = definition.Scenario;
        ScenarioKinds.TryParse(definition.Scenario, out var kind);
        ScenarioKind = kind;
        Slots = [.. definition.Slots];
        HealthCheckPath = definition.HealthCheckPath;
        DumpSizeBytes = definition.DumpSizeBytes;
        BasicAuth = definition.BasicAuth;
        DotnetMonitor = definition.DotnetMonitor;
        Plan = plan;
        LoadedAt = loadedAt;
        LastModifiedAt = loadedAt;
        _initialUptime = TimeSpan.FromMinutes(Math.Max(0, definition.ProcessUptimeMinutes));
    }

    public string SubscriptionId { get; }

    public string ResourceGroup { get; }

    public string Name { get; }

    public string Location { get; }

    public string Kind { get; }

    public bool IsLinux => Kind.Contains("linux", StringComparison.OrdinalIgnoreCase);

    /// <summary>Running or Stopped.</summary>
    public string State { get; internal set; }

    public string Scenario { get; }

    public ScenarioKind ScenarioKind { get; }

    public IReadOnlyList<string> Slots { get; }

    public string? HealthCheckPath { get; }

    public long? DumpSizeBytes { get; }

    public BasicAuthDefinition? BasicAuth { get; }

    public bool DotnetMonitor { get; }

    public SimulatedPlan Plan { get; }

    public string PlanName => Plan.Name;

    public int InstanceCount => Plan.Capacity;

    public DateTimeOffset LoadedAt { get; }

    public DateTimeOffset LastModifiedAt { get; internal set; }

    /// <summary>Site restarts (POST restart, and scale-ups that move the app): the "exactly one restart" counter.</summary>
    public int RestartCount { get; private set; }

    public int SlotRestartCount { get; internal set; }

    /// <summary>Processes killed through ARM or Kudu.</summary>
    public int KillCount { get; private set; }

    public IReadOnlyList<ProcessEvent> Events => _events;

    public string ResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{Name}";

    public string PlanResourceId => Plan.ResourceId;

    internal InstanceProcesses ProcessesOn(SimulatedInstance instance)
    {
        if (!_processes.TryGetValue(instance.Id, out var processes))
        {
            processes = new InstanceProcesses(instance.Initial ? LoadedAt - _initialUptime : instance.CreatedAt);
            _processes[instance.Id] = processes;
        }

        return processes;
    }

    /// <summary>
    /// Restarts the app everywhere: every process on every instance is replaced. A scale up/down does the
    /// same (the app moves to new workers) but is not counted as a restart.
    /// </summary>
    internal void RestartAll(DateTimeOffset at, string reason, bool countAsRestart = true)
    {
        foreach (var instance in Plan.Instances)
        {
            var processes = ProcessesOn(instance);
            Record(new ProcessEvent(at, instance.Id, processes.Worker.Pid, WorkerName, reason));
            processes.ReplaceWorker(at);
            processes.ReplaceHelper(at);
        }

        if (countAsRestart)
        {
            RestartCount++;
        }

        LastModifiedAt = at;
    }

    /// <summary>POST stop: the site stops serving; its processes are gone until it starts again.</summary>
    internal void Stop(DateTimeOffset at)
    {
        State = "Stopped";
        LastModifiedAt = at;
    }

    /// <summary>POST start: a stopped site gets fresh processes (not counted as a restart).</summary>
    internal void Start(DateTimeOffset at)
    {
        if (string.Equals(State, "Stopped", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var instance in Plan.Instances)
            {
                var processes = ProcessesOn(instance);
                processes.ReplaceWorker(at);
                processes.ReplaceHelper(at);
            }
        }

        State = "Running";
        LastModifiedAt = at;
    }

    /// <summary>Kills one process on one instance; the platform starts a replacement at once.</summary>
    internal bool Kill(SimulatedInstance instance, int pid, DateTimeOffset at)
    {
        var processes = ProcessesOn(instance);
        var process = processes.Find(pid);
        if (process is null)
        {
            return false;
        }

        Record(new ProcessEvent(at, instance.Id, pid, process.Role == ProcessRole.Worker ? WorkerName : HelperName, "Killed"));
        if (process.Role == ProcessRole.Worker)
        {
            processes.ReplaceWorker(at);
        }
        else
        {
            processes.ReplaceHelper(at);
        }

        KillCount++;
        return true;
    }

    internal void DropInstance(string instanceId) => _processes.Remove(instanceId);

    internal string WorkerName => IsLinux ? "dotnet" : "w3wp";

    internal string HelperName => IsLinux ? "sshd" : "w3wp";

    private void Record(ProcessEvent processEvent)
    {
        _events.Add(processEvent);
        if (_events.Count > MaxEvents)
        {
            _events.RemoveAt(0);
        }
    }
}
