using AutoRemediate.Actions;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Core.Tests.Decisions;

/// <summary>Which instance and which process the evidence points at: the one a restart ends and the one dumped first.</summary>
[TestClass]
public sealed class CulpritsTests
{
    // Two instances: "i-a" is the memory hog (w3wp 900 MB private), "i-b" burns CPU (w3wp 5000 s).
    private static readonly WorkerProcess[] s_processes =
    [
        new("i-a", 10, "w3wp", 950, 900, 100, null),
        new("i-a", 11, "dotnet", 200, 150, 900, null),
        new("i-b", 20, "w3wp", 300, 250, 5000, null),
        new("i-b", 21, "node", 100, 80, 40, null),
    ];

    private static readonly InstanceMetrics[] s_metrics =
    [
        new("i-a", 91, 20, 0, 100, null),
        new("i-b", 40, 97, 0, 100, null),
    ];

    private static IncidentFindings Findings(WorkerProcess[]? processes = null, InstanceMetrics[]? metrics = null, bool noProcessList = false) =>
        new(["i-a", "i-b"], noProcessList ? null : processes ?? s_processes,
            new MetricsSummary(metrics ?? s_metrics, null, [], null, []), null, null, false);

    [TestMethod]
    [DataRow("MemoryWorkingSet", true)]
    [DataRow("Http5xx", true)]
    [DataRow("HealthCheckStatus", true)]
    [DataRow("CpuPercentage", false)]
    [DataRow("cputime", false)]
    [DataRow("", true)]
    public void ByMemory_AlertMetric_MemoryUnlessAboutCpu(string metric, bool byMemory) =>
        Assert.AreEqual(byMemory, Culprits.ByMemory(metric.Length == 0 ? [] : [metric]));

    [TestMethod]
    [DataRow(true, "i-a")]
    [DataRow(false, "i-b")]
    public void WorstInstance_ByWhatTheAlertIsAbout_Highest(bool byMemory, string expected) =>
        Assert.AreEqual(expected, Culprits.WorstInstance(s_metrics, byMemory));

    [TestMethod]
    public void WorstInstance_NoFigures_Null() => Assert.IsNull(Culprits.WorstInstance([], byMemory: true));

    [TestMethod]
    public void WorstInstance_NoMemoryPercent_FallsBackToWorkingSet() =>
        Assert.AreEqual("i-b", Culprits.WorstInstance([new("i-a", null, 10, 0, 100, 100), new("i-b", null, 10, 0, 100, 900)], byMemory: true));

    // Restart of one instance: always the biggest process by memory on the instance the decision names.
    [TestMethod]
    [DataRow("i-a", 10)]
    [DataRow("I-B", 20)]
    [DataRow("i-gone", -1)]
    public void ToRestart_NamedInstance_BiggestWorkerThere(string instance, int expectedPid)
    {
        var worker = Culprits.ToRestart(new Decision(PlanKind.RestartInstance, "why", InstanceId: instance), Findings());
        Assert.AreEqual(expectedPid, worker?.ProcessId ?? -1);
    }

    [TestMethod]
    public void ToRestart_ProcessListUnread_Null() =>
        Assert.IsNull(Culprits.ToRestart(new Decision(PlanKind.RestartInstance, "why", InstanceId: "i-a"), Findings(noProcessList: true)));

    // The dump: the decision's instance if it names one, else the worst instance by the alert's measure;
    // on it the worst process by the same measure; all processes when that instance has none listed.
    [TestMethod]
    [DataRow(null, true, 10, DisplayName = "memory alert, no instance named: the memory hog's w3wp")]
    [DataRow(null, false, 20, DisplayName = "CPU alert, no instance named: the CPU burner's w3wp")]
    [DataRow("i-a", false, 11, DisplayName = "CPU alert on a named instance: the busiest process there")]
    [DataRow("i-b", true, 20, DisplayName = "memory alert on a named instance: the biggest process there")]
    [DataRow("i-none", true, 10, DisplayName = "named instance without processes: the biggest of all")]
    public void ToDump_DecisionAndAlert_ChoosesProcess(string? instance, bool byMemory, int expectedPid)
    {
        var dump = Culprits.ToDump(new Decision(PlanKind.RestartApp, "why", DumpFirst: true, InstanceId: instance), Findings(), byMemory);
        Assert.AreEqual(expectedPid, dump?.ProcessId);
    }

    // In Azure the metrics name machines: the worst machine by memory is i-b's (RDB…), whose w3wp is pid 20, though
    // i-a's w3wp has more private bytes overall.
    [TestMethod]
    public void ToDump_MetricsByMachineName_WorstProcessOnTheMappedInstance()
    {
        WorkerProcess[] processes = [.. s_processes.Select(p => p with { MachineName = p.InstanceId == "i-a" ? "RDAAAAAAAAAAAA" : "RDBBBBBBBBBBBB" })];
        var findings = Findings(processes, [new("RDAAAAAAAAAAAA", 40, 20, 0, 100, null), new("RDBBBBBBBBBBBB", 93, 20, 0, 100, null)]);

        var dump = Culprits.ToDump(new Decision(PlanKind.RestartApp, "why", DumpFirst: true), findings, byMemory: true);

        Assert.AreEqual(("i-b", 20), (dump?.InstanceId, dump?.ProcessId));
    }

    [TestMethod]
    public void ToDump_NoMetrics_WorstOfAllProcesses()
    {
        var findings = Findings() with { Metrics = null };
        Assert.AreEqual(20, Culprits.ToDump(new Decision(PlanKind.RestartApp, "why"), findings, byMemory: false)?.ProcessId);
    }

    [TestMethod]
    public void ToDump_ProcessListUnread_Null() =>
        Assert.IsNull(Culprits.ToDump(new Decision(PlanKind.RestartApp, "why"), Findings(noProcessList: true), byMemory: true));
}
