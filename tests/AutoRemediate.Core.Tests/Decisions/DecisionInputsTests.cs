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
