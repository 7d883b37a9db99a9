using System.Text.Json.Nodes;
using AutoRemediate.Azure;
using AutoRemediate.Incidents;

namespace AutoRemediate.DevHost;

/// <summary>What a scenario run ended with: the incident as the API shows it and what the Sandbox saw.</summary>
/// <param name="Incident">GET /api/incidents/{id}.</param>
/// <param name="Restarts">POST .../restart requests the Sandbox answered with success.</param>
/// <param name="Kills">DELETE .../processes/{pid} requests answered with success.</param>
/// <param name="ScaleRequests">PATCH .../serverfarms/{plan} requests answered with success.</param>
/// <param name="Dumps">Process dumps the Sandbox served completely.</param>
/// <param name="App">The app as /sandbox/apps describes it afterwards.</param>
public sealed record ScenarioObservation(JsonObject Incident, int Restarts, int Kills, int ScaleRequests, int Dumps, JsonObject App)
{
    /// <summary>The incident's final status.</summary>
    public string Status => Incident["status"]?.GetValue<string>() ?? "unknown";

    /// <summary>The kinds of the timeline entries, in order.</summary>
    public IReadOnlyList<string> Kinds => [.. (Incident["timeline"]?.AsArray() ?? []).Select(t => t?["kind"]?.GetValue<string>() ?? string.Empty)];

    /// <summary>True when the timeline has an entry of <paramref name="kind"/>.</summary>
    public bool Has(string kind) => Kinds.Contains(kind);
}

/// <summary>
/// One end-to-end story against the Sandbox: which app, which alert, what is broken besides the app, and
/// what must be true at the end. <c>demo --scenario &lt;name&gt;</c> runs one and exits 0 only when
/// <see cref="Check"/> passes; the scenario tests run the same definitions.
/// </summary>
/// <param name="Name">The name on the command line.</param>
/// <param name="App">The Sandbox app the alert fires for.</param>
/// <param name="Story">What happens, in one sentence.</param>
/// <param name="Metric">The alert rule's metric.</param>
/// <param name="Operator">Its operator.</param>
/// <param name="Threshold">Its threshold.</param>
/// <param name="Aggregation">Its time aggregation.</param>
/// <param name="Settings">DevHost settings the story needs (e.g. dry-run).</param>
/// <param name="Faults">Sandbox faults injected before the alert (see /sandbox/faults).</param>
/// <param name="EarlierActionAgo">Seeds an action on the app by an earlier incident this long ago (cooldown).</param>
/// <param name="ExpectedStatus">The incident's final status.</param>
/// <param name="Check">The rest of what must hold; returns what did not, or null.</param>
public sealed record DemoScenario(
    string Name,
    string App,
    string Story,
    string Metric,
    string Operator,
    double Threshold,
    string Aggregation,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyList<JsonObject> Faults,
    TimeSpan? EarlierActionAgo,
    string ExpectedStatus,
    Func<ScenarioObservation, string?> Check)
{
    // Declared before All: static fields initialize in order.
    private static readonly IReadOnlyDictionary<string, string?> NoSettings = new Dictionary<string, string?>();

    /// <summary>The eight scenarios of the remediation workflow.</summary>
    public static readonly IReadOnlyList<DemoScenario> All =
    [
        new("memory-leak", "contoso-shop", "Memory grows until the app fails: a dump of the worst worker, a restart, recovery.",
            MetricNames.MemoryWorkingSet, "GreaterThan", 1610612736, "Average", NoSettings, [], null, nameof(IncidentStatus.Resolved),
            o => Expect(o.Dumps == 1 && o.Has(TimelineKinds.DumpCaptured), "one dump stored before the restart")
                ?? Expect(o.Restarts == 1, $"exactly one restart (saw {o.Restarts})")
                ?? Expect(o.Kinds.ToList().IndexOf(TimelineKinds.DumpCaptured) < o.Kinds.ToList().IndexOf(TimelineKinds.ActionTaken), "the dump before the action")),

        new("cpu-saturation", "contoso-cpu", "CPU is pinned on every instance: scale out by one, recovery.",
            "HttpResponseTime", "GreaterThan", 2, "Average", NoSettings, [], null, nameof(IncidentStatus.Resolved),
            o => Expect(o.ScaleRequests == 1, $"exactly one scale request (saw {o.ScaleRequests})")
                ?? Expect(o.Restarts == 0 && o.Kills == 0, "no restart")
                ?? Expect(o.App["planCapacity"]?.GetValue<int>() == 3, "the plan at 3 instances")),

        new("crash-loop-kudu-down", "contoso-crash", "The worker crash-loops and Kudu does not answer: restart without a dump, and the missing dump is noted.",
            MetricNames.Http5xx, "GreaterThan", 10, "Total", NoSettings,
            [new JsonObject { ["pathContains"] = "/processes", ["status"] = 503, ["times"] = 1000, ["message"] = "Kudu is not responding." }], null, nameof(IncidentStatus.Escalated),
            o => Expect(o.Restarts == 1, $"exactly one restart (saw {o.Restarts})")
                ?? Expect(o.Dumps == 0 && o.Has(TimelineKinds.DumpSkipped), "no dump, and the timeline says why")),

        new("one-bad-instance", "contoso-onebad", "One of three instances is sick: dump it, restart only that instance's worker.",
            MetricNames.Http5xx, "GreaterThan", 50, "Total", NoSettings, [], null, nameof(IncidentStatus.Resolved),
            o => Expect(o.Kills == 1, $"exactly one worker ended (saw {o.Kills})")
                ?? Expect(o.Restarts == 0, "no app restart")
                ?? Expect(o.Dumps == 1, "one dump of the sick worker")),

        new("platform-outage", "contoso-outage", "Resource Health blames the platform: nothing is done, the incident escalates.",
            MetricNames.Http5xx, "GreaterThan", 10, "Total", NoSettings, [], null, nameof(IncidentStatus.Escalated),
            o => Expect(o.Restarts + o.Kills + o.ScaleRequests + o.Dumps == 0, "nothing done to the app")
                ?? Expect(o.Has(TimelineKinds.PlatformChecked), "the platform check on the timeline")),

        new("cooldown", "contoso-shop", "The app was restarted ten minutes ago by an earlier incident: the cooldown holds, nothing is done.",
            MetricNames.MemoryWorkingSet, "GreaterThan", 1610612736, "Average", NoSettings, [], TimeSpan.FromMinutes(10), nameof(IncidentStatus.Escalated),
            o => Expect(o.Restarts + o.Kills + o.ScaleRequests + o.Dumps == 0, "nothing done to the app")
                ?? Expect(o.Incident["summary"]?.GetValue<string>().Contains("cooldown", StringComparison.OrdinalIgnoreCase) == true, "the cooldown named as the reason")),

        new("dry-run", "contoso-shop", "Dry-run mode: the plan is recorded, nothing is done.",
            MetricNames.MemoryWorkingSet, "GreaterThan", 1610612736, "Average", new Dictionary<string, string?> { [ConfigKeys.PolicyDryRun] = "true" }, [], null, nameof(IncidentStatus.Escalated),
            o => Expect(o.Restarts + o.Kills + o.ScaleRequests + o.Dumps == 0, "nothing done to the app")
                ?? Expect(o.Has(TimelineKinds.DryRun), "the dry run on the timeline")),

        new("restart-not-helping", "contoso-crash", "A restart does not stop the crash loop: the next rung (scale out) is proposed and tried, then on-call takes over.",
            MetricNames.Http5xx, "GreaterThan", 10, "Total", NoSettings, [], null, nameof(IncidentStatus.Escalated),
            o => Expect(o.Restarts == 1, $"exactly one restart (saw {o.Restarts})")
                ?? Expect(o.Kinds.Count(k => k == TimelineKinds.PlanChosen) >= 2, "a second rung proposed")
                ?? Expect(o.Has(TimelineKinds.VerificationFailed), "the failed verification on the timeline")),
    ];

    /// <summary>The scenario of that name, or null.</summary>
    public static DemoScenario? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Null when everything holds, else what did not.</summary>
    public string? Verify(ScenarioObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Status != ExpectedStatus
            ? $"the incident ended {observation.Status}, expected {ExpectedStatus}"
            : Check(observation);
    }

    private static string? Expect(bool holds, string what) => holds ? null : "expected " + what;
}
