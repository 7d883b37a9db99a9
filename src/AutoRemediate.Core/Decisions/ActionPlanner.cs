using AutoRemediate.Actions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Decisions;

/// <summary>The action that carries out a decision: a pure function of the decision, the site and what the diagnostics found.</summary>
public static class ActionPlanner
{
    /// <summary>The action id of an incident's rung: deterministic, so a retried or replayed action finds its own journal row.</summary>
    public static string ActionId(string incidentId, int rung) => $"{incidentId}-a{rung}";

    /// <summary>
    /// The fully resolved action for <paramref name="decision"/> on rung <paramref name="rung"/>: which
    /// process a restart of one instance ends, which plan a scale step changes and to what. Null when the
    /// decision needs a process that the diagnostics could not list (the workflow then escalates).
    /// </summary>
    public static ActionRequest? For(Decision decision, string incidentId, string targetResourceId, SiteSnapshot site, IncidentFindings findings, DateTimeOffset now, int rung)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(site);
        var request = new ActionRequest(ActionId(incidentId, rung), incidentId, targetResourceId, decision.Plan, now);
        switch (decision.Plan)
        {
            case PlanKind.RestartInstance:
                var worker = Culprits.ToRestart(decision, findings);
                return worker is null ? null : request with { InstanceId = decision.InstanceId, ProcessId = worker.ProcessId };
            case PlanKind.ScaleOut:
                return request with { PlanResourceId = site.ServerFarmId, NewCapacity = decision.NewCapacity };
            case PlanKind.ScaleUp:
                return request with { PlanResourceId = site.ServerFarmId, NewSku = decision.NewSku };
            default:
                return request;
        }
    }
}
