using AutoRemediate.Actions;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Core.Tests.Decisions;

/// <summary>What the policy gets to look at, built from what the diagnostics found and then from the action journal.</summary>
[TestClass]
public sealed class DecisionInputsTests
{
    private const string App = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Web/sites/shop";
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly PlatformEvidence s_platform = new(false, false, 3);

    private static DecisionInput From(IncidentFindings findings, params PlanKind[] tried) =>
        DecisionInputs.FromFindings("inc-1", App, s_now, ["MemoryWorkingSet"], s_platform, findings, tried);

    private static IncidentFindings Findings(string[] instances, InstanceMetrics[]? metrics = null, Dictionary<string, int>? crashes = null, PlanEvidence? plan = null) =>
        new(instances, null, metrics is null ? null : new MetricsSummary(metrics, 12, ["MemoryWorkingSet"], null, []),
            crashes is null ? null : new DetectorsSummary([], crashes, null), plan, false);

    // The health check verdict per instance: HealthCheckStatus below 50 fails; no figure (health check off) does not.
    [TestMethod]
    [DataRow(100.0, true)]
    [DataRow(50.0, true)]
    [DataRow(49.9, false)]
    [DataRow(0.0, false)]
    [DataRow(null, true)]
    public void FromFindings_HealthCheckStatus_HealthyVerdict(double? health, bool healthy)
    {
        var input = From(Findings(["i-a"], [new("i-a", 40, 20, 3, health, null)]));
        Assert.AreEqual(healthy, input.Instances.Single().Healthy);
    }

    // Instances come from the instance list and from the metrics, once each whatever the case of the id.
    [TestMethod]
    [DataRow(new[] { "i-a", "i-b" }, new[] { "i-a" }, new[] { "i-a", "i-b" })]
    [DataRow(new[] { "i-a" }, new[] { "I-A", "i-c" }, new[] { "i-a", "i-c" })]
    [DataRow(new string[0], new[] { "i-c" }, new[] { "i-c" })]
    [DataRow(new string[0], new string[0], new string[0])]
    public void FromFindings_InstancesFromListAndMetrics_EachOnce(string[] listed, string[] withMetrics, string[] expected)
    {
        var input = From(Findings(listed, [.. withMetrics.Select(id => new InstanceMetrics(id, 50, 10, 0, 100, null))]));
        CollectionAssert.AreEqual(expected, input.Instances.Select(i => i.InstanceId).ToArray());
    }

    [TestMethod]
    public void FromFindings_Figures_CarriedPerInstance()
    {
        var input = From(Findings(["i-a", "i-b"], [new("i-b", 91, 12, 7, 100, 5e8)], new() { ["i-b"] = 4 }, new PlanEvidence("P1v3", 2, 10, 1, 3)), PlanKind.RestartApp);

        Assert.AreEqual(new InstanceEvidence("i-a", null, null, null, true, 0), input.Instances[0]);
        Assert.AreEqual(new InstanceEvidence("i-b", 91, 12, 7, true, 4), input.Instances[1]);
        Assert.AreEqual(new PlanEvidence("P1v3", 2, 10, 1, 3), input.Plan);
        Assert.AreEqual(12, input.HttpQueueLength);
        CollectionAssert.AreEqual(new[] { "MemoryWorkingSet" }, input.BreachingMetrics!.ToArray());
        CollectionAssert.AreEqual(new[] { PlanKind.RestartApp }, input.AlreadyTried!.ToArray());
        Assert.AreEqual(("inc-1", App, s_now, s_platform), (input.IncidentId, input.TargetResourceId, input.Now, input.Platform));
    }

    // Azure names instances two ways: ARM ids in the instance list, machine names in the metrics. The process
    // records' machineName links them. Two ARM instances, their machine names in the metrics.
    private const string ArmA = "c354aaef437b76d8a9f3e1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f5";
    private const string ArmB = "b32f219a0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b276c";
    private const string MachineA = "RD0003FF0032D8";
    private const string MachineB = "RD281878617288";

    private static WorkerProcess Worker(string instance, string? machine) => new(instance, 1, "w3wp", 100, 120, 5, null, machine);

    private static IncidentFindings Mapped(string[] instances, WorkerProcess[]? processes, InstanceMetrics[] metrics) =>
        new(instances, processes, new MetricsSummary(metrics, null, [], null, []), null, new PlanEvidence("P1v3", instances.Length, 10), false);

    private static Decision Decide(DecisionInput input) => RemediationPolicy.Decide(input, new PolicyOptions());

    [TestMethod]
    public void FromFindings_OneInstanceAppMachineNameInMetrics_OneInstanceWithItsFigures()
    {
        var input = From(Mapped([ArmA], [Worker(ArmA, MachineA)], [new(MachineA, 50, 30, 0, 100, null)]));

        Assert.AreEqual(1, input.Instances.Count, "a one-instance app is one instance");
        Assert.AreEqual(new InstanceEvidence(ArmA, 50, 30, 0, true, 0, MachineA), input.Instances[0]);
    }

    [TestMethod]
    public void FromFindings_CpuHighOnEveryMachine_ScaleOut()
    {
        var input = DecisionInputs.FromFindings("inc-1", App, s_now, ["CpuPercentage"], s_platform,
            Mapped([ArmA, ArmB], [Worker(ArmA, MachineA), Worker(ArmB, MachineB)], [new(MachineA, 40, 95, 0, 100, null), new(MachineB, 40, 93, 0, 100, null)]), []);

        var decision = Decide(input);

        CollectionAssert.AreEqual(new[] { ArmA, ArmB }, input.Instances.Select(i => i.InstanceId).ToArray());
        Assert.AreEqual(PlanKind.ScaleOut, decision.Plan, decision.Reason);
        StringAssert.Contains(decision.Reason, "CPU is high on all 2 instances");
    }

    [TestMethod]
    public void FromFindings_OneSickMachine_RestartInstanceNamesItsArmInstance()
    {
        var findings = Mapped([ArmA, ArmB], [Worker(ArmA, MachineA), Worker(ArmB, MachineB)], [new(MachineA, 40, 20, 0, 100, null), new(MachineB, 40, 20, 9, 0, null)]);

        var decision = Decide(From(findings));

        Assert.AreEqual(PlanKind.RestartInstance, decision.Plan, decision.Reason);
        Assert.AreEqual(ArmB, decision.InstanceId);
        StringAssert.Contains(decision.Reason, $"{ArmB[..8]} ({MachineB})");
        Assert.AreEqual(ArmB, Culprits.ToRestart(decision, findings)!.InstanceId);
    }

    // Names that cannot be mapped (process lists unreadable, or no machineName on the records): never two entries
    // for one instance; the figures count for the whole app; no single instance is named for a restart.
    [TestMethod]
    [DataRow(false, DisplayName = "process lists unreadable")]
    [DataRow(true, DisplayName = "records without machineName")]
    public void FromFindings_UnmappedNames_CountedOnceAndNotRestartedAlone(bool recordsWithoutName)
    {
        WorkerProcess[]? processes = recordsWithoutName ? [Worker(ArmA, null), Worker(ArmB, null)] : null;
        var cpuHigh = Mapped([ArmA, ArmB], processes, [new(MachineA, 40, 95, 0, 100, null), new(MachineB, 40, 96, 0, 100, null)]);
        var oneSick = Mapped([ArmA, ArmB], processes, [new(MachineA, 40, 20, 0, 100, null), new(MachineB, 40, 20, 9, 0, null)]);

        var cpuInput = From(cpuHigh);
        var sickDecision = Decide(From(oneSick));

        Assert.AreEqual(2, cpuInput.Instances.Count, "two instances, not four");
        CollectionAssert.AreEqual(new[] { MachineA, MachineB }, cpuInput.Instances.Select(i => i.InstanceId).ToArray());
        Assert.IsTrue(cpuInput.Instances.All(i => i.Unmapped));
        Assert.AreEqual(PlanKind.ScaleOut, Decide(cpuInput).Plan, "CPU high on every instance still fires");
        Assert.AreNotEqual(PlanKind.RestartInstance, sickDecision.Plan);
        Assert.IsNull(sickDecision.InstanceId);
        StringAssert.Contains(sickDecision.Reason, $"Only instance {MachineB} of 2 is unhealthy");
        StringAssert.Contains(sickDecision.Reason, "could not be matched to an ARM instance");
    }

    // The instance list could not be read either: the metric names are the instances, each once.
    [TestMethod]
    public void FromFindings_NoInstanceListUnmappedNames_EachNameOnce()
    {
        var input = From(Mapped([], null, [new(MachineA, 40, 20, 0, 100, null), new(MachineB, 40, 20, 0, 100, null)]));

        CollectionAssert.AreEqual(new[] { MachineA, MachineB }, input.Instances.Select(i => i.InstanceId).ToArray());
        Assert.IsTrue(input.Instances.All(i => i.Unmapped));
    }

    // One of two maps, the other does not: the mapped one keeps its ARM id, the other's figures stand in for the
    // listed instance without figures (still two instances).
    [TestMethod]
    public void FromFindings_OneNameUnmapped_TwoInstancesOneNamedByArmId()
    {
        var input = From(Mapped([ArmA, ArmB], [Worker(ArmA, MachineA)], [new(MachineA, 40, 20, 0, 100, null), new(MachineB, 40, 20, 0, 100, null)]));

        Assert.AreEqual(2, input.Instances.Count);
        Assert.AreEqual(new InstanceEvidence(ArmA, 40, 20, 0, true, 0, MachineA), input.Instances[0]);
        Assert.AreEqual(new InstanceEvidence(MachineB, 40, 20, 0, true, 0, MachineB, Unmapped: true), input.Instances[1]);
    }

    // The crash table names machines too: the count lands on the mapped ARM instance.
    [TestMethod]
    public void FromFindings_CrashesByMachineName_CountedOnTheArmInstance()
    {
        var findings = Mapped([ArmA, ArmB], [Worker(ArmA, MachineA), Worker(ArmB, MachineB)], [new(MachineA, 40, 20, 0, 100, null), new(MachineB, 40, 20, 0, 100, null)])
            with { Detectors = new DetectorsSummary([], new Dictionary<string, int> { [MachineB] = 6 }, null) };

        var input = From(findings);

        CollectionAssert.AreEqual(new[] { 0, 6 }, input.Instances.Select(i => i.WorkerRestarts).ToArray());
    }

    // A plan that could not be read: unknown SKU at the instances seen, and no room to grow.
    [TestMethod]
    [DataRow(0)]
    [DataRow(3)]
    public void FromFindings_PlanUnread_UnknownAtInstanceCount(int count)
    {
        var input = From(Findings([.. Enumerable.Range(0, count).Select(i => $"i-{i}")]));
        Assert.AreEqual(new PlanEvidence(DecisionInputs.UnknownSku, count, count), input.Plan);
    }

    [TestMethod]
    public void FromFindings_NothingFound_EmptyEvidenceAndNoJournalFacts()
    {
        var input = From(IncidentFindings.None);
        Assert.AreEqual(0, input.Instances.Count);
        Assert.IsNull(input.HttpQueueLength);
        Assert.AreEqual(0, input.BreachingMetrics!.Count);
        Assert.AreEqual(0, input.RecentActions.Count);
        Assert.AreEqual(0, input.ActionsInProgressFleetWide);
    }

    [TestMethod]
    [DataRow(0, 0)]
    [DataRow(2, 5)]
    public void WithActions_JournalRows_PastActionsAndFleetCount(int recent, int running)
    {
        var rows = Enumerable.Range(0, recent).Select(i => new ActionRecord($"inc-{i}-a1", $"inc-{i}", App, PlanKind.RestartApp, ActionState.Sent, s_now.AddHours(-i))).ToList();
        var input = DecisionInputs.WithActions(From(Findings(["i-a"])), rows, running);

        Assert.AreEqual(running, input.ActionsInProgressFleetWide);
        CollectionAssert.AreEqual(
            rows.Select(r => new PastAction(r.StartedAt, PlanKind.RestartApp, App, r.IncidentId)).ToArray(),
            input.RecentActions.ToArray());
    }
}
