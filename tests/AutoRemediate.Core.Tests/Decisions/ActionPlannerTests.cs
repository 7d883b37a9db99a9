using AutoRemediate.Actions;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Core.Tests.Decisions;

/// <summary>The action a decision turns into: what it touches and to what, with an id that is the same on every retry.</summary>
[TestClass]
public sealed class ActionPlannerTests
{
    private const string App = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Web/sites/shop";
    private const string Plan = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Web/serverfarms/plan";
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly SiteSnapshot s_site = new("shop", "Running", "app", "westeurope", Plan);

    private static readonly IncidentFindings s_findings = new(["i-a", "i-b"],
        [new("i-a", 10, "w3wp", 900, 800, 5, null), new("i-b", 20, "w3wp", 300, 250, 9, null)], null, null, new PlanEvidence("P1v3", 2, 10), false);

    [TestMethod]
    [DataRow(PlanKind.RestartApp, 1, null, null, null, null, null, DisplayName = "restart the app: nothing more to resolve")]
    [DataRow(PlanKind.RestartInstance, 1, "i-b", 20, null, null, null, DisplayName = "restart one instance: its worker")]
    [DataRow(PlanKind.ScaleOut, 2, null, null, Plan, 3, null, DisplayName = "scale out: the site's plan, the new count")]
    [DataRow(PlanKind.ScaleUp, 2, null, null, Plan, null, "P2v3", DisplayName = "scale up: the site's plan, the new SKU")]
    public void For_Decision_ResolvedAction(PlanKind plan, int rung, string? instance, int? pid, string? planId, int? capacity, string? sku)
    {
        var decision = new Decision(plan, "why", InstanceId: instance, NewCapacity: plan == PlanKind.ScaleOut ? 3 : null, NewSku: plan == PlanKind.ScaleUp ? "P2v3" : null);
        var action = ActionPlanner.For(decision, "inc-1", App, s_site, s_findings, s_now, rung);

        Assert.IsNotNull(action);
        Assert.AreEqual($"inc-1-a{rung}", action.ActionId);
        Assert.AreEqual(("inc-1", App, plan, s_now), (action.IncidentId, action.TargetResourceId, action.Plan, action.At));
        Assert.AreEqual((instance, pid, planId, capacity, sku), (action.InstanceId, action.ProcessId, action.PlanResourceId, action.NewCapacity, action.NewSku));
    }

    [TestMethod]
    [DataRow("i-unknown", DisplayName = "the named instance has no listed process")]
    [DataRow(null, DisplayName = "no instance named")]
    public void For_RestartInstanceWithoutWorker_Null(string? instance) =>
        Assert.IsNull(ActionPlanner.For(new Decision(PlanKind.RestartInstance, "why", InstanceId: instance), "inc-1", App, s_site, s_findings, s_now, 1));

    [TestMethod]
    public void For_RestartInstanceProcessListUnread_Null() =>
        Assert.IsNull(ActionPlanner.For(new Decision(PlanKind.RestartInstance, "why", InstanceId: "i-a"), "inc-1", App, s_site, s_findings with { Processes = null }, s_now, 1));
}
