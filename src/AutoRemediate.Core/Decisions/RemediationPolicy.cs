using System.Globalization;
using AutoRemediate.Actions;
using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;

namespace AutoRemediate.Decisions;

/// <summary>
/// The decision: a pure function of the evidence and the policy (no I/O, no clock but the input's
/// <see cref="DecisionInput.Now"/>), so the orchestration can call it directly and tests can table it.
/// Order: platform first (never act when Azure is at fault), then what the evidence points to, then
/// the guardrails that may turn an action into an escalation, then approval.
/// </summary>
public static class RemediationPolicy
{
    /// <summary>Decides what to do.</summary>
    public static Decision Decide(DecisionInput input, PolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(policy);
        var decision = DecideIgnoringRecurrence(input, policy);
        return Recurring(input, policy) is { } recurrence ? WithRecurrence(decision, recurrence) : decision;
    }

    /// <summary>
    /// The app's restarts in <see cref="PolicyOptions.RecurrencePeriod"/> before this incident, when there are more than
    /// <see cref="PolicyOptions.RecurrenceAfterRestarts"/>; else null.
    /// </summary>
    public static Recurrence? Recurring(DecisionInput input, PolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(policy);
        var restarts = input.RecentActions
            .Where(a => a.Plan is PlanKind.RestartApp or PlanKind.RestartInstance
                && string.Equals(a.TargetResourceId, input.TargetResourceId, StringComparison.OrdinalIgnoreCase)
                && (input.IncidentId is null || a.IncidentId != input.IncidentId)
                && a.At <= input.Now && input.Now - a.At < policy.RecurrencePeriod)
            .OrderByDescending(a => a.At)
            .ToList();
        if (restarts.Count <= policy.RecurrenceAfterRestarts)
        {
            return null;
        }

        var incidents = restarts.Select(a => a.IncidentId).OfType<string>().Distinct(StringComparer.Ordinal).Take(Recurrence.MaxIncidents).ToList();
        return new Recurrence(restarts.Count, policy.RecurrencePeriod, incidents);
    }

    // Restarts are not fixing this app: every plan says so, and another restart goes to a person whatever the
    // configuration would approve (and never goes ahead on a timeout).
    private static Decision WithRecurrence(Decision decision, Recurrence recurrence)
    {
        var earlier = recurrence.EarlierIncidents.Count > 0 ? $" (earlier incidents: {string.Join(", ", recurrence.EarlierIncidents)}; their dumps may show the cause)" : string.Empty;
        var words = recurrence.Sentence + earlier + ".";
        var recurring = decision with { Reason = $"{decision.Reason} {words}", Recurrence = recurrence };
        if (decision.Plan is not (PlanKind.RestartApp or PlanKind.RestartInstance) || decision.DryRun)
        {
            return recurring;
        }

        var why = recurrence.Sentence + ": a person decides whether another restart helps.";
        return recurring with
        {
            NeedsApproval = true,
            ProceedOnTimeout = false,
            NotByConfiguration = decision.NotByConfiguration is { } other ? $"{other} {why}" : why,
        };
    }

    private static Decision DecideIgnoringRecurrence(DecisionInput input, PolicyOptions policy)
    {
        var platform = PlatformReason(input.Platform, policy);
        if (platform is not null)
        {
            return new Decision(PlanKind.Escalate, platform + " Nothing is done to the app: restarting or scaling would not help and could hurt.");
        }

        var tried = input.AlreadyTried ?? [];
        var proposal = tried.Count > 0 ? NextRung(input, policy, tried) : Propose(input, policy);
        if (proposal.Plan == PlanKind.Escalate)
        {
            return proposal;
        }

        var blocked = Guardrail(input, policy);
        if (blocked is not null)
        {
            return new Decision(PlanKind.Escalate, $"{proposal.Reason} But {blocked.Value.Reason}, so nothing is done and on-call decides.",
                BlockedBy: blocked.Value.Name, Proposed: proposal.Plan, Warnings: proposal.Warnings);
        }

        if (policy.DryRun)
        {
            return proposal with { Reason = proposal.Reason + " Dry-run mode: recorded only, nothing is done.", DryRun = true, NeedsApproval = false, Proposed = proposal.Plan };
        }

        // Fail safe, not open: without a complete platform verdict Azure may be at fault after all, so a
        // person looks at the plan, whatever the configuration would approve, and is told why.
        if (input.Platform.Incomplete is { } incomplete)
        {
            return SharedPlan(input, proposal with
            {
                NeedsApproval = true,
                NotByConfiguration = IncompleteWarning(incomplete),
                Warnings = [.. proposal.Warnings ?? [], IncompleteWarning(incomplete)],
            });
        }

        // A further rung always goes back to people: the first action did not work.
        var decided = SharedPlan(input, proposal with { NeedsApproval = tried.Count > 0 || !policy.AutoApprovedPlans.Contains(proposal.Plan) });
        // A low-risk first rung goes ahead when nobody answers in time, unless a person must decide it.
        return decided with
        {
            ProceedOnTimeout = decided.NeedsApproval && decided.NotByConfiguration is null && tried.Count == 0 && policy.LowRiskPlans.Contains(decided.Plan),
        };
    }

    /// <summary>
    /// A scale step changes every app on the plan. Names the other apps in a warning; when a Scope is configured and the
    /// plan hosts apps outside it (or its apps could not be listed), the step goes to a person whatever the configuration
    /// says, and the reason names those apps. Any other plan is returned as it is.
    /// </summary>
    public static Decision SharedPlan(DecisionInput input, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Plan is not (PlanKind.ScaleOut or PlanKind.ScaleUp))
        {
            return decision;
        }

        var plan = input.Plan;
        var self = ResourceIds.TryParse(input.TargetResourceId, out var target) ? target!.Name : null;
        var others = (plan.Apps ?? []).Where(a => !string.Equals(a, self, StringComparison.OrdinalIgnoreCase)).ToList();
        var warnings = (decision.Warnings ?? []).ToList();
        if (others.Count > 0)
        {
            warnings.Add($"The plan also runs {string.Join(", ", others)}: the {Words(decision.Plan)} changes {(others.Count == 1 ? "it" : "them")} too.");
        }
        else if (plan.AppsUnknown is not null)
        {
            warnings.Add(plan.AppsUnknown);
        }

        var decided = decision with { Warnings = warnings.Count > 0 ? warnings : null };
        var outside = plan.AppsOutsideScope;
        if (outside is null || (outside.Count == 0 && plan.AppsUnknown is null))
        {
            return decided;
        }

        var why = outside.Count > 0
            ? $"the plan also runs apps outside the configured scope ({string.Join(", ", outside)}), so a person must approve the {Words(decision.Plan)}"
            : $"the apps on the plan could not be listed, so none can be shown to be inside the configured scope and a person must approve the {Words(decision.Plan)}";
        var notByConfiguration = Capitalize(why) + ".";
        return decided with
        {
            Reason = $"{decision.Reason} But {why}.",
            NeedsApproval = true,
            NotByConfiguration = decision.NotByConfiguration is { } earlier ? $"{earlier} {notByConfiguration}" : notByConfiguration,
        };
    }

    /// <summary>The approvers' warning for a plan decided without a complete platform verdict.</summary>
    public static string IncompleteWarning(string why) =>
        $"The platform check is incomplete ({why.TrimEnd('.')}): Azure itself may be at fault, so a person approves this plan even where configuration would approve it.";

    // The ladder: a restart that did not bring the app back is followed by a scale step (more or bigger
    // workers); after a scale step there is nothing more the policy may try.
    private static Decision NextRung(DecisionInput input, PolicyOptions policy, IReadOnlyList<PlanKind> tried)
    {
        var done = string.Join(" then ", tried.Select(Words));
        if (tried.Any(p => p is PlanKind.ScaleOut or PlanKind.ScaleUp))
        {
            return new Decision(PlanKind.Escalate, $"The app did not recover after {done}; nothing further is in the policy's ladder, so on-call takes over.");
        }

        var next = Scale(input.Plan, policy, $"the app did not recover after {done}");
        return next.Plan == PlanKind.Escalate ? next : next with { Proposed = next.Plan };
    }

    private static string Words(PlanKind plan) => plan switch
    {
        PlanKind.RestartApp => "a restart of the app",
        PlanKind.RestartInstance => "a restart of one instance",
        PlanKind.ScaleOut => "a scale-out",
        PlanKind.ScaleUp => "a scale-up",
        _ => "escalation",
    };

    /// <summary>The decision in one line for the timeline: the plan, why, and any warning.</summary>
    public static string Describe(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var text = $"{decision.Plan}: {decision.Reason}";
        if (decision.Warnings is { Count: > 0 } warnings)
        {
            text += " Warning: " + string.Join(" ", warnings);
        }

        return text;
    }

    private static string? PlatformReason(PlatformEvidence platform, PolicyOptions policy)
    {
        if (platform.ResourceHealthPlatformIssue)
        {
            return "Resource Health reports a platform-initiated problem with this app.";
        }

        if (platform.ServiceHealthIncidentOpen)
        {
            return "A Service Health incident is open for this region.";
        }

        if (platform.FleetBreakerTripped || platform.AppsAlertingInWindow >= policy.FleetBreakerApps)
        {
            return $"{platform.AppsAlertingInWindow} apps alerted within {Display.Minutes(policy.FleetWindow)} (fleet breaker at {policy.FleetBreakerApps}): this looks like the platform or a shared dependency, not this app.";
        }

        return null;
    }

    private static Decision Propose(DecisionInput input, PolicyOptions policy)
    {
        var unhealthy = input.Instances.Where(i => IsUnhealthy(i, policy)).ToList();

        // One bad instance among healthy ones, but its metric name maps to no ARM instance: no action can name
        // it, so the next rule decides, and the reason says why the instance was not restarted alone.
        if (input.Instances.Count > 1 && unhealthy is [{ Unmapped: true } unmatched])
        {
            var next = ProposeForApp(input, policy, unhealthy);
            var why = $"Only instance {unmatched.InstanceId} of {input.Instances.Count} is unhealthy ({Describe(unmatched, policy)}), but it could not be matched to an ARM instance "
                + "(no process record carries its machine name), so it cannot be restarted alone.";
            return next with
            {
                Reason = next.Plan == PlanKind.Escalate ? $"{why} Nothing else in the evidence calls for an action on the whole app; on-call decides, diagnostics are attached." : $"{why} {next.Reason}",
            };
        }

        return ProposeForApp(input, policy, unhealthy);
    }

    private static Decision ProposeForApp(DecisionInput input, PolicyOptions policy, List<InstanceEvidence> unhealthy)
    {
        var instances = input.Instances;

        // One bad instance among healthy ones: restart only that one.
        if (instances.Count > 1 && unhealthy is [{ Unmapped: false }])
        {
            var bad = unhealthy[0];
            return new Decision(PlanKind.RestartInstance,
                $"Only instance {InstanceNames.Label(bad.InstanceId, bad.MachineName)} of {instances.Count} is unhealthy ({Describe(bad, policy)}); restarting its worker leaves the others serving.",
                DumpFirst: true, InstanceId: bad.InstanceId);
        }

        var memoryHigh = instances.Where(i => i.MemoryPercent >= policy.MemoryHighPercent).ToList();
        var memoryAlertHolds = (input.BreachingMetrics ?? []).FirstOrDefault(m => MetricNames.IsIn(MetricNames.Memory, m));
        if (memoryHigh.Count > 0 || memoryAlertHolds is not null || (instances.Count == 0 && input.MetricNames.Any(m => MetricNames.IsIn(MetricNames.Memory, m))))
        {
            var worst = memoryHigh.MaxBy(i => i.MemoryPercent);
            var detail = worst is not null
                ? $"memory at {worst.MemoryPercent!.Value.ToString("0", CultureInfo.InvariantCulture)}% on {memoryHigh.Count} of {instances.Count} instance(s)"
                : memoryAlertHolds is not null ? $"{memoryAlertHolds} is still above the alert's threshold" : "the alert is about memory";
            return new Decision(PlanKind.RestartApp, $"Memory is high ({detail}), which a restart clears; a dump of the worst process is taken first so the leak can be found.", DumpFirst: true);
        }

        var crashing = instances.Where(i => i.WorkerRestarts >= policy.CrashRestartsHigh).ToList();
        if (crashing.Count > 0 && instances.Any(i => i.Http5xx > 0))
        {
            return new Decision(PlanKind.RestartApp,
                $"The app returns 5xx while its worker keeps recycling ({crashing.Max(i => i.WorkerRestarts)} restarts on {crashing.Count} instance(s)); a clean restart is the runbook's first step, after a dump.",
                DumpFirst: true);
        }

        var cpuHighEverywhere = instances.Count > 0 && instances.All(i => i.CpuPercent >= policy.CpuHighPercent);
        var queueHigh = input.HttpQueueLength >= policy.HttpQueueHigh;
        if (cpuHighEverywhere || queueHigh)
        {
            var why = cpuHighEverywhere
                ? $"CPU is high on all {instances.Count} instances (at least {instances.Min(i => i.CpuPercent)!.Value.ToString("0", CultureInfo.InvariantCulture)}%)"
                : $"the HTTP queue is long ({input.HttpQueueLength!.Value.ToString("0", CultureInfo.InvariantCulture)} requests)";
            return Scale(input.Plan, policy, why);
        }

        if (unhealthy.Count > 1 || (instances.Count == 1 && unhealthy.Count == 1))
        {
            var which = instances.Count == 1 ? "The app's only instance is" : $"{unhealthy.Count} of {instances.Count} instances are";
            return new Decision(PlanKind.RestartApp, $"{which} unhealthy with no single cause in the evidence; a restart is the runbook's first step, after a dump.", DumpFirst: true);
        }

        return new Decision(PlanKind.Escalate, "Nothing in the evidence explains the alert (memory, CPU, queue, crashes and instance health look normal); diagnostics are attached for on-call.");
    }

    private static Decision Scale(PlanEvidence plan, PolicyOptions policy, string why)
    {
        var ceiling = Math.Min(policy.MaxInstanceCount, plan.MaximumWorkers);
        if (plan.Capacity < ceiling)
        {
            var capacity = plan.Capacity + 1;
            var warnings = new List<string>();
            if (plan.AutoscaleMaximum is { } max && capacity > max)
            {
                warnings.Add($"An autoscale setting (range {plan.AutoscaleMinimum}-{max}) targets this plan and will bring it back to at most {max} instances; raise its maximum for the scale-out to stick.");
            }
            else if (plan.AutoscaleMaximum is { } inRange)
            {
                warnings.Add($"An autoscale setting (range {plan.AutoscaleMinimum}-{inRange}) manages this plan's instance count; its scale-in rules may undo this scale-out once they next run.");
            }
            else if (plan.AutoscaleUnknown is not null)
            {
                warnings.Add("The autoscale state of this plan is unknown (its autoscale settings could not be read): a setting, if there is one, may undo this scale-out.");
            }

            return new Decision(PlanKind.ScaleOut, $"{Capitalize(why)}; adding one instance ({plan.Capacity} → {capacity}) spreads the load.",
                NewCapacity: capacity, Warnings: warnings.Count > 0 ? warnings : null);
        }

        var ladder = policy.EffectiveSkus;
        var index = ladder.ToList().FindIndex(s => string.Equals(s, plan.Sku, StringComparison.OrdinalIgnoreCase));
        if (index >= 0 && index < ladder.Count - 1)
        {
            return new Decision(PlanKind.ScaleUp, $"{Capitalize(why)} and the plan is at its instance limit ({plan.Capacity}); moving up one size ({plan.Sku} → {ladder[index + 1]}) adds headroom per instance.",
                NewSku: ladder[index + 1]);
        }

        var where = index < 0 ? $"{plan.Sku} is not on the allowed SKU ladder" : $"{plan.Sku} is the largest allowed SKU";
        return new Decision(PlanKind.Escalate, $"{Capitalize(why)}, but the plan is at its instance limit ({plan.Capacity}) and {where}; on-call has to decide.");
    }

    private static (string Name, string Reason)? Guardrail(DecisionInput input, PolicyOptions policy)
    {
        var freeze = policy.FreezeWindows.FirstOrDefault(w => w.Contains(input.Now));
        if (freeze is not null)
        {
            return ("FreezeWindow", $"it is inside the {freeze.Name} ({freeze.Start:hh\\:mm}-{freeze.End:hh\\:mm} UTC)");
        }

        var mine = input.RecentActions.Where(a => string.Equals(a.TargetResourceId, input.TargetResourceId, StringComparison.OrdinalIgnoreCase)).ToList();
        // The incident's own earlier rung is the reason for this one, not a reason to wait.
        var last = mine.Where(a => a.At <= input.Now && (input.IncidentId is null || a.IncidentId != input.IncidentId)).MaxBy(a => a.At);
        if (last is not null && input.Now - last.At < policy.Cooldown)
        {
            return ("Cooldown", $"the last action on this app ({last.Plan}) was {Display.Minutes(input.Now - last.At)} ago, within the {Display.Minutes(policy.Cooldown)} cooldown");
        }

        var today = mine.Count(a => input.Now - a.At < TimeSpan.FromDays(1));
        if (today >= policy.MaxActionsPerAppPerDay)
        {
            return ("DailyLimit", $"this app already had {today} actions in the last 24 hours (limit {policy.MaxActionsPerAppPerDay})");
        }

        if (input.ActionsInProgressFleetWide >= policy.MaxConcurrentActions)
        {
            return ("FleetConcurrency", $"{input.ActionsInProgressFleetWide} actions are already running across the fleet (limit {policy.MaxConcurrentActions})");
        }

        return null;
    }

    private static bool IsUnhealthy(InstanceEvidence i, PolicyOptions policy) =>
        !i.Healthy || i.MemoryPercent >= policy.MemoryHighPercent || i.WorkerRestarts >= policy.CrashRestartsHigh;

    private static string Describe(InstanceEvidence i, PolicyOptions policy)
    {
        var parts = new List<string>();
        if (!i.Healthy)
        {
            parts.Add("failing its health check");
        }

        if (i.MemoryPercent >= policy.MemoryHighPercent)
        {
            parts.Add($"memory {i.MemoryPercent!.Value.ToString("0", CultureInfo.InvariantCulture)}%");
        }

        if (i.WorkerRestarts >= policy.CrashRestartsHigh)
        {
            parts.Add($"{i.WorkerRestarts} worker restarts");
        }

        if (i.Http5xx > 0)
        {
            parts.Add($"{i.Http5xx!.Value.ToString("0", CultureInfo.InvariantCulture)} 5xx");
        }

        return string.Join(", ", parts);
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
