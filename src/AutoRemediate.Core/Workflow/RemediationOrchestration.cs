using System.Globalization;
using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// The remediation workflow, written once and registered by both hosts under
/// <see cref="OrchestrationNames.Remediation"/>: open → platform check → diagnostics (fan-out) →
/// decide → dump → approval → act → verify → resolve, or escalate with the next rung. It only
/// sequences: no I/O, no clock but <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>, every
/// side effect in an activity, every wait a durable timer or an external event.
/// </summary>
public static class RemediationOrchestration
{
    // Decisions for a request other than the open one (a late click on an older link) are skipped, at most this many.
    private const int MaxStaleDecisions = 20;

    // restart → scale → people: the policy's ladder has two rungs, and after a scale step it always
    // escalates (RemediationPolicy.NextRung). So after the second rung the workflow escalates without
    // asking it again, which keeps a third decision (about 3 KiB) out of the history.
    private const int MaxRungs = 2;

    // Timeline messages are capped: an exception's text can be long, and a table property is at most 64 KiB.
    private const int MaxReasonLength = 1000;

    private static readonly string[] s_cpuMetrics = ["CpuTime", "CpuPercentage"];

    /// <summary>Registers the orchestration on a Durable Task SDK worker.</summary>
    // Kept beside RunAsync: the Durable analyzers follow the registration to the orchestrator body
    // and fail (AD0001) when the two sit in different files.
    public static void Register(DurableTaskRegistry registry) =>
        registry.AddOrchestratorFunc<RemediationInput, RemediationResult>(OrchestrationNames.Remediation, RunAsync);

    /// <summary>
    /// Runs one remediation. Whatever goes wrong on the way (an activity that exhausted its retries
    /// because storage stayed down, a bug), the incident ends Escalated with the reason on its
    /// timeline: an incident is never left looking busy while nothing works on it.
    /// </summary>
    public static async Task<RemediationResult> RunAsync(TaskOrchestrationContext context, RemediationInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var flow = new Flow(context, input);
        string reason;
        try
        {
            return await RemediateAsync(flow);
        }
        catch (Exception ex)
        {
            // Every failure, not only TaskFailedException: an unexpected exception is a bug, and the
            // incident must still end. Nothing here is retried by hand; the escalation below is one
            // activity with a long durable retry policy. If even that fails, the orchestration fails:
            // the decision endpoint and GET /api/incidents/{id} notice that no workflow runs for the
            // incident any more and close it then (IncidentReconciler).
            reason = Describe(ex);
        }

        // Operators see it in the Durable status query too, before the write below has gone through.
        context.SetCustomStatus("escalating after error: " + reason);
        var summary = $"The remediation stopped on an error and nothing more will be done automatically; on-call takes over. {reason}";
        await context.CallActivityAsync<bool>(ActivityNames.EscalateAfterError,
            new EscalateAfterErrorRequest(input.IncidentId, flow.Next(), context.CurrentUtcDateTime, summary), WorkflowRetries.LastResort);
        try
        {
            // An action this incident started stops counting toward the fleet-wide cap.
            await FinishActionsAsync(flow);
        }
        catch (TaskFailedException)
        {
            // Best effort: the cap only counts actions started within its window, so this one ages out.
        }

        return new RemediationResult(input.IncidentId, IncidentStatus.Escalated, summary);
    }

    // What failed, in words for the timeline: the step and its error, never a stack trace.
    private static string Describe(Exception ex)
    {
        var text = ex switch
        {
            TaskFailedException failed => $"{failed.TaskName} failed: {failed.FailureDetails.ErrorType}: {failed.FailureDetails.ErrorMessage}",
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };
        return text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";
    }

    private static async Task<RemediationResult> RemediateAsync(Flow flow)
    {
        var context = flow.Context;
        var input = flow.Input;
        var signal = input.Signal;

        await context.CallActivityAsync<bool>(
            ActivityNames.OpenIncident,
            new OpenIncidentRequest(input.IncidentId, flow.Next(), context.CurrentUtcDateTime,
                $"Alert '{signal.AlertRule}' ({signal.Severity}) fired for {AppName(input.TargetResourceId)}; gathering evidence before touching anything."),
            WorkflowRetries.Storage);

        if (ResourceIds.KindOf(input.TargetResourceId) == TargetKind.Plan)
        {
            await RecordAsync(flow, TimelineKinds.PlanAlert,
                $"The alert is about the App Service plan {AppName(input.TargetResourceId)}, not one app; the pipeline acts on apps, so on-call takes this one.");
            return await EscalateAsync(flow, "No automatic mitigation applies to a plan-level alert; the incident is handed to on-call.");
        }

        // One deadline for the first reads (the site, then the platform check), one durable timer.
        using var firstReads = new CancellationTokenSource();
        var firstReadsDeadline = context.CreateTimer(context.CurrentUtcDateTime.Add(flow.DiagnosticsTimeout), firstReads.Token);
        var site = await CallAsync<SiteSnapshot>(flow, ActivityNames.CollectSiteSnapshot, input.TargetResourceId, "the site (Azure Resource Manager)", firstReadsDeadline);

        // 1. Platform first: when Azure is at fault, acting on the app cannot help.
        var platform = await CallAsync<PlatformCheck>(flow, ActivityNames.CheckPlatform,
            new PlatformCheckRequest(input.IncidentId, input.TargetResourceId, site?.Location, context.CurrentUtcDateTime), "the platform check", firstReadsDeadline);
        firstReads.Cancel();
        var platformEvidence = platform?.Evidence ?? new PlatformEvidence(false, false, 1);
        var found = new List<(string Kind, string Message)>();
        if (site is not null)
        {
            found.Add((TimelineKinds.SiteInspected,
                $"Site {site.Name} is {site.State ?? "in an unknown state"} ({site.Kind ?? "kind unknown"}, {site.Location ?? "region unknown"}) on plan {AppName(site.ServerFarmId)}."));
        }

        if (platform is not null)
        {
            found.Add((TimelineKinds.PlatformChecked, string.Join(" ", platform.Notes)));
        }

        await RecordAsync(flow, [.. found]);

        var atFault = platformEvidence.ResourceHealthPlatformIssue || platformEvidence.ServiceHealthIncidentOpen;
        if (site is null && !atFault)
        {
            // Without the site (its plan, its OS, whether it exists at all) nothing can be done safely.
            return await EscalateAsync(flow, "The site could not be read from Azure Resource Manager, so the pipeline will not act blind; on-call takes over.");
        }

        var evidence = atFault ? Evidence.None : await DiagnoseAsync(flow, site!);
        var tried = new List<PlanKind>();
        var dumped = false;
        for (var rung = 1; rung <= MaxRungs; rung++)
        {
            // The activity records PlanChosen (the plan and why) itself: one call instead of two in the history.
            var decision = await context.CallActivityAsync<Decision>(
                ActivityNames.DecidePlan, new DecideRequest(DecisionInputFor(flow, platformEvidence, evidence, tried), flow.Next()), WorkflowRetries.Storage);
            if (decision.Plan == PlanKind.Escalate)
            {
                return await EscalateAsync(flow, decision.Reason);
            }

            if (decision.DryRun)
            {
                await RecordAsync(flow, TimelineKinds.DryRun, $"Dry run: {decision.Plan} was not carried out; nothing was changed on the app.");
                return await EscalateAsync(flow, $"Dry run: the policy would have chosen {decision.Plan}. {decision.Reason}");
            }

            var action = ActionFor(flow, decision, site!, evidence, rung);
            if (action is null)
            {
                return await EscalateAsync(flow, $"{decision.Plan} needs the worker process on instance {decision.InstanceId}, and the process list could not be read; on-call takes over.");
            }

            // 3. Evidence before action: a dump of the sick process before a restart wipes it.
            if (decision.DumpFirst && !dumped)
            {
                dumped = true;
                await DumpAsync(flow, site!, evidence, decision);
            }

            // 5. Approval.
            var approval = await ApproveAsync(flow, decision, rung);
            if (approval is not null)
            {
                return approval;
            }

            // 6. Act (the approval step set the status to Mitigating; the activity records ActionTaken).
            // Last look before touching the app: a Resolved notification that arrived meanwhile (during
            // the dump, or while a plan approved by configuration had no wait to catch it) means the app
            // recovered on its own. A zero-wait look at the pending event is deterministic: on replay
            // the event has been delivered at the same point of the history.
            if (flow.Resolved() is { IsCompleted: true } resolvedMeanwhile)
            {
                var r = resolvedMeanwhile.Result;
                flow.ResolvedConsumed();
                // Nothing to finish: this rung started no action, and an earlier rung's finished with its verification.
                await RecordAsync(flow, TimelineKinds.ActionCancelled, $"Alert '{r.AlertRule}' resolved at {r.ResolvedAt:u}, before {decision.Plan} was carried out; nothing was done.");
                return await ResolveAsync(flow, $"Alert '{r.AlertRule}' resolved on its own before {decision.Plan} was carried out; nothing was done.");
            }

            try
            {
                await context.CallActivityAsync<ActionOutcome>(ActivityNames.ExecuteAction, action with { Sequence = flow.Next() }, WorkflowRetries.Action);
            }
            catch (TaskFailedException ex)
            {
                await RecordAsync(flow, TimelineKinds.ActionFailed, $"{decision.Plan} failed: {ex.FailureDetails.ErrorMessage}");
                await FinishActionsAsync(flow);
                return await EscalateAsync(flow, $"{decision.Plan} could not be carried out ({ex.FailureDetails.ErrorMessage}); on-call takes over.");
            }

            tried.Add(decision.Plan);

            // 7. Verify, in a sub-orchestration of its own: the polls stay out of this history, and so do
            // the steps that close a rung (the actions stop counting toward the fleet cap; on failure,
            // VerificationFailed and the plan as it is now, which the next rung scales from).
            var verified = await context.CallSubOrchestratorAsync<VerificationResult>(OrchestrationNames.Verification,
                new VerificationInput(input.IncidentId, input.TargetResourceId, site!.ServerFarmId, AlertCriterion.Of(signal), flow.VerifyInterval, flow.VerifyHealthyFor,
                    flow.VerifyDeadline, VerificationOrchestration.PollsFor(flow.VerifyDeadline, flow.VerifyInterval), flow.Next(), Action: decision.Plan.ToString()),
                new SubOrchestrationOptions { InstanceId = $"{input.IncidentId}-v{rung}" });
            flow.ContinueFrom(verified.NextSequence);
            if (verified.Healthy)
            {
                return await ResolveAsync(flow, $"{decision.Plan} brought the app back: {verified.Reading}");
            }

            evidence = evidence with { Plan = verified.Plan ?? evidence.Plan };
        }

        return await EscalateAsync(flow, $"The app did not recover after {string.Join(" then ", tried)}; nothing further is in the policy's ladder, so on-call takes over.");
    }

    // 2. Diagnostics: the site's plan, instances (and processes per instance), metrics and detectors,
    // all at once. Each source has its own retry policy and timeout; a failing one is recorded and the
    // workflow goes on with what it has.
    private static async Task<Evidence> DiagnoseAsync(Flow flow, SiteSnapshot site)
    {
        var context = flow.Context;
        var input = flow.Input;
        var now = context.CurrentUtcDateTime;
        // The window opens before the alert fired; an alert delivered hours late (or replayed by hand)
        // gets the window before now instead, as the metrics API refuses very long 1-minute series.
        var fired = input.Signal.FiredAt.UtcDateTime;
        var start = (fired > now.AddHours(-6) && fired <= now ? fired : now) - flow.MetricsLookback;
        // Every source must answer within the diagnostics timeout of the fan-out's start: one durable
        // timer for all of them keeps the history small.
        using var deadlineCancellation = new CancellationTokenSource();
        var deadline = context.CreateTimer(now.Add(flow.DiagnosticsTimeout), deadlineCancellation.Token);
        var planTask = site.ServerFarmId is { } planId ? CallAsync<PlanEvidence>(flow, ActivityNames.CollectPlan, planId, "the App Service plan", deadline) : Task.FromResult<PlanEvidence?>(null);
        var instancesTask = CallAsync<string[]>(flow, ActivityNames.CollectInstances, input.TargetResourceId, "the instance list", deadline);
        var metricsTask = CallAsync<MetricsSummary>(flow, ActivityNames.CollectMetrics,
            new MetricsRequest(input.IncidentId, input.TargetResourceId, site.ServerFarmId, start, now, AlertCriterion.Of(input.Signal)), "the metrics", deadline);
        var detectorsTask = CallAsync<DetectorsSummary>(flow, ActivityNames.CollectDetectors,
            new DetectorsRequest(input.IncidentId, input.TargetResourceId, start, now), "the App Service detectors", deadline);

        var instances = await instancesTask ?? [];
        var processTasks = instances.Select(i => CallAsync<WorkerProcess[]>(flow, ActivityNames.CollectProcesses,
            new ProcessesRequest(input.TargetResourceId, i), $"the processes on instance {Short(i)}", deadline)).ToList();
        await Task.WhenAll(planTask, metricsTask, detectorsTask, Task.WhenAll(processTasks));
        deadlineCancellation.Cancel();

        var metrics = metricsTask.Result;
        var detectors = detectorsTask.Result;
        var processes = processTasks.Where(t => t.Result is not null).SelectMany(t => t.Result!).ToList();
        var evidence = new Evidence(instances, processTasks.All(t => t.Result is not null) ? processes : processes.Count > 0 ? processes : null, metrics, detectors, planTask.Result, site.IsLinux);
        await RecordAsync(flow, [.. (metrics?.Notes ?? []).Select(n => (TimelineKinds.DiagnosticsFailed, n)), (TimelineKinds.DiagnosticsCollected, Summarize(evidence))]);
        return evidence;
    }

    private static DecisionInput DecisionInputFor(Flow flow, PlatformEvidence platform, Evidence evidence, List<PlanKind> tried)
    {
        var metrics = evidence.Metrics;
        var crashes = evidence.Detectors?.CrashesByInstance ?? new Dictionary<string, int>();
        var ids = evidence.Instances.Concat(metrics?.Instances.Select(i => i.InstanceId) ?? []).Distinct(StringComparer.OrdinalIgnoreCase);
        var instances = ids.Select(id =>
        {
            var m = metrics?.Instances.FirstOrDefault(i => string.Equals(i.InstanceId, id, StringComparison.OrdinalIgnoreCase));
            return new InstanceEvidence(id, m?.MemoryPercent, m?.CpuPercent, m?.Http5xx, m?.HealthPercent is not < 50, crashes.GetValueOrDefault(id));
        }).ToList();
        return new DecisionInput(
            flow.Input.TargetResourceId,
            flow.Context.CurrentUtcDateTime,
            MetricNames(flow.Input.Signal),
            platform,
            instances,
            evidence.Plan ?? new PlanEvidence("unknown", instances.Count, instances.Count),
            metrics?.HttpQueueLength,
            [],
            0,
            metrics?.Breaching ?? [],
            [.. tried],
            flow.Input.IncidentId);
    }

    private static ActionRequest? ActionFor(Flow flow, Decision decision, SiteSnapshot site, Evidence evidence, int rung)
    {
        var id = $"{flow.Input.IncidentId}-a{rung}";
        var request = new ActionRequest(id, flow.Input.IncidentId, flow.Input.TargetResourceId, decision.Plan, flow.Context.CurrentUtcDateTime);
        switch (decision.Plan)
        {
            case PlanKind.RestartInstance:
                var worker = WorstProcess(evidence.Processes?.Where(p => string.Equals(p.InstanceId, decision.InstanceId, StringComparison.OrdinalIgnoreCase)), memory: true);
                return worker is null ? null : request with { InstanceId = decision.InstanceId, ProcessId = worker.ProcessId };
            case PlanKind.ScaleOut:
                return request with { PlanResourceId = site.ServerFarmId, NewCapacity = decision.NewCapacity };
            case PlanKind.ScaleUp:
                return request with { PlanResourceId = site.ServerFarmId, NewSku = decision.NewSku };
            default:
                return request;
        }
    }

    private static async Task DumpAsync(Flow flow, SiteSnapshot site, Evidence evidence, Decision decision)
    {
        var memory = !MetricNames(flow.Input.Signal).Any(m => s_cpuMetrics.Contains(m, StringComparer.OrdinalIgnoreCase));
        var candidates = evidence.Processes ?? [];
        string? instance = decision.InstanceId;
        if (instance is null && evidence.Metrics is { } metrics && metrics.Instances.Count > 0)
        {
            // The worst instance by what the alert is about.
            instance = (memory
                ? metrics.Instances.OrderByDescending(i => i.MemoryPercent ?? i.WorkingSetBytes ?? 0)
                : metrics.Instances.OrderByDescending(i => i.CpuPercent ?? 0)).First().InstanceId;
        }

        var onInstance = candidates.Where(p => instance is null || string.Equals(p.InstanceId, instance, StringComparison.OrdinalIgnoreCase)).ToList();
        var process = WorstProcess(onInstance.Count > 0 ? onInstance : candidates, memory);
        if (process is null)
        {
            await RecordAsync(flow, TimelineKinds.DumpSkipped,
                "No memory dump: the process list could not be read (Kudu did not answer), so there is no process to dump. The mitigation goes ahead without it.");
            return;
        }

        // The activity records DumpCaptured or DumpSkipped itself.
        await flow.Context.CallActivityAsync<DumpOutcome>(ActivityNames.CaptureDump,
            new DumpRequest(flow.Input.IncidentId, flow.Input.TargetResourceId, process, site.IsLinux, flow.Next()), WorkflowRetries.Diagnostics);
    }

    private static WorkerProcess? WorstProcess(IEnumerable<WorkerProcess>? processes, bool memory) =>
        processes is null ? null : memory
            ? processes.OrderByDescending(p => p.PrivateBytes ?? p.WorkingSetBytes ?? 0).FirstOrDefault()
            : processes.OrderByDescending(p => p.CpuSeconds ?? 0).FirstOrDefault();

    // Returns the end of the workflow when the plan does not go ahead, null when it does.
    private static async Task<RemediationResult?> ApproveAsync(Flow flow, Decision decision, int rung)
    {
        var context = flow.Context;
        var input = flow.Input;
        if (!decision.NeedsApproval)
        {
            await EndApprovalAsync(flow, TimelineKinds.ApprovalNotNeeded, $"The policy runs {decision.Plan} without asking (Policy:AutoApprovedPlans).", proceed: true);
            return null;
        }

        if (flow.Settings.AutoApprove)
        {
            await EndApprovalAsync(flow, TimelineKinds.ApprovalGranted, $"{decision.Plan} approved by configuration (Workflow:AutoApprove).", proceed: true);
            return null;
        }

        var approvalId = $"{input.IncidentId}-r{rung}";
        var expires = context.CurrentUtcDateTime.Add(flow.ApprovalTimeout);
        await context.CallActivityAsync<bool>(ActivityNames.RequestApproval,
            new ApprovalRequest(input.IncidentId, approvalId, flow.Next(), context.CurrentUtcDateTime, decision, expires), WorkflowRetries.Storage);

        using var timerCancellation = new CancellationTokenSource();
        var timeout = context.CreateTimer(expires, timerCancellation.Token);
        var resolved = flow.Resolved();
        for (var stale = 0; stale <= MaxStaleDecisions; stale++)
        {
            var decided = flow.Decision();
            var first = await Task.WhenAny(decided, resolved, timeout);
            if (first == decided)
            {
                var d = decided.Result;
                flow.DecisionConsumed();
                if (!string.Equals(d.ApprovalId, approvalId, StringComparison.Ordinal))
                {
                    continue; // a decision on an earlier request of this incident, arriving late
                }

                timerCancellation.Cancel();
                return await DecidedAsync(flow, decision, d);
            }

            if (first == resolved)
            {
                timerCancellation.Cancel();
                var r = resolved.Result;
                flow.ResolvedConsumed();
                var claimed = await ExpireApprovalAsync(flow, approvalId, withdrawn: true,
                    $"Alert '{r.AlertRule}' resolved at {r.ResolvedAt:u} before anyone decided; {decision.Plan} was not carried out.");
                if (claimed is not null)
                {
                    // Somebody claimed the decision just before the resolution reached the workflow: the
                    // app recovered anyway, so nothing is done, and the timeline says whose decision it was.
                    await EndApprovalAsync(flow, TimelineKinds.ApprovalWithdrawn,
                        $"{decision.Plan} was {(claimed.Approved ? "approved" : "rejected")} by {claimed.Approver} at {claimed.At:u}, but alert '{r.AlertRule}' resolved at {r.ResolvedAt:u} before it was carried out; nothing was done.",
                        proceed: false);
                }

                return await ResolveAsync(flow, $"Alert '{r.AlertRule}' resolved on its own while {decision.Plan} waited for approval; nothing was done.");
            }

            break;
        }

        timerCancellation.Cancel();
        // The expiry and a claim are conditional writes on the same request row: a decision claimed
        // before the expiry was written wins even when its event reaches the workflow after the timer.
        var late = await ExpireApprovalAsync(flow, approvalId, withdrawn: false, $"Nobody decided on {decision.Plan} within {flow.ApprovalTimeout}; nothing was done.");
        if (late is not null)
        {
            return await DecidedAsync(flow, decision, late);
        }

        return await EscalateAsync(flow, $"{decision.Plan} was proposed but not approved within {flow.ApprovalTimeout}; on-call takes over.");
    }

    // Null when the approved plan goes ahead; the end of the workflow when it was rejected.
    private static async Task<RemediationResult?> DecidedAsync(Flow flow, Decision decision, ApprovalDecisionEvent d)
    {
        var who = string.IsNullOrWhiteSpace(d.Comment) ? d.Approver : $"{d.Approver} (\"{d.Comment}\")";
        if (d.Approved)
        {
            await EndApprovalAsync(flow, TimelineKinds.ApprovalGranted, $"{decision.Plan} approved by {who} at {d.At:u}.", proceed: true);
            return null;
        }

        await EndApprovalAsync(flow, TimelineKinds.ApprovalRejected, $"{decision.Plan} rejected by {who} at {d.At:u}; nothing was done.", proceed: false);
        return await EscalateAsync(flow, $"{decision.Plan} was rejected by {d.Approver}; on-call takes over.");
    }

    private static Task<ApprovalDecisionEvent?> ExpireApprovalAsync(Flow flow, string approvalId, bool withdrawn, string message) =>
        flow.Context.CallActivityAsync<ApprovalDecisionEvent?>(ActivityNames.ExpireApproval,
            new ApprovalExpiry(flow.Input.IncidentId, approvalId, flow.Next(), flow.Context.CurrentUtcDateTime, withdrawn, message), WorkflowRetries.Storage);

    private static Task<bool> EndApprovalAsync(Flow flow, string kind, string message, bool proceed) =>
        flow.Context.CallActivityAsync<bool>(ActivityNames.EndApproval,
            new ApprovalEnded(flow.Input.IncidentId, flow.Next(), flow.Context.CurrentUtcDateTime, kind, message, proceed), WorkflowRetries.Storage);

    private static Task<bool> FinishActionsAsync(Flow flow) =>
        flow.Context.CallActivityAsync<bool>(ActivityNames.FinishActions, new FinishActionsRequest(flow.Input.IncidentId, flow.Input.TargetResourceId), WorkflowRetries.Storage);

    private static async Task<RemediationResult> ResolveAsync(Flow flow, string summary)
    {
        await flow.Context.CallActivityAsync<bool>(
            ActivityNames.CloseIncident,
            new CloseIncidentRequest(flow.Input.IncidentId, flow.Next(), flow.Context.CurrentUtcDateTime, IncidentStatus.Resolved, summary),
            WorkflowRetries.Storage);
        return new RemediationResult(flow.Input.IncidentId, IncidentStatus.Resolved, summary);
    }

    private static async Task<RemediationResult> EscalateAsync(Flow flow, string summary)
    {
        await flow.Context.CallActivityAsync<bool>(
            ActivityNames.CloseIncident,
            new CloseIncidentRequest(flow.Input.IncidentId, flow.Next(), flow.Context.CurrentUtcDateTime, IncidentStatus.Escalated, summary),
            WorkflowRetries.Storage);
        return await HoldAsync(flow, new RemediationResult(flow.Input.IncidentId, IncidentStatus.Escalated, summary));
    }

    // After escalation the incident stays live for a while: further rules firing for the app join
    // it (recorded here) instead of opening new incidents, and a Resolved notification closes it.
    private static async Task<RemediationResult> HoldAsync(Flow flow, RemediationResult escalated)
    {
        var context = flow.Context;
        var input = flow.Input;
        var hold = input.Settings.EscalationHold;
        if (hold <= TimeSpan.Zero)
        {
            return escalated;
        }

        using var timerCancellation = new CancellationTokenSource();
        var holdEnds = context.CreateTimer(context.CurrentUtcDateTime.Add(hold), timerCancellation.Token);
        var resolved = flow.Resolved();
        // Bounded: the ingest path raises AlertRepeated once per distinct rule and keeps at most
        // IncidentRecord.MaxRules rules, so the history of a held incident cannot grow without limit.
        for (var repeats = 0; ; repeats++)
        {
            // A new wait for AlertRepeated only once the previous one completed: an abandoned wait
            // would swallow the next event.
            var repeated = repeats < IncidentRecord.MaxRules
                ? context.WaitForExternalEvent<AlertRepeatedEvent>(EventNames.AlertRepeated)
                : new TaskCompletionSource<AlertRepeatedEvent>().Task;
            var first = await Task.WhenAny(resolved, repeated, holdEnds);
            if (first == repeated)
            {
                var r = repeated.Result;
                await RecordAsync(flow, TimelineKinds.AlertRepeated, $"Alert '{r.AlertRule}' ({r.Severity}) also fired for this app at {r.FiredAt:u}.");
                continue;
            }

            if (first == resolved)
            {
                timerCancellation.Cancel();
                return await ResolveAsync(flow, $"Alert '{resolved.Result.AlertRule}' resolved at {resolved.Result.ResolvedAt:u} after escalation.");
            }

            await RecordAsync(flow, TimelineKinds.HoldEnded, $"No resolution within {hold}; the incident stays escalated and new alerts will open a new incident.");
            return escalated;
        }
    }

    // Calls a read-only activity with its retry policy and the diagnostics timeout. A failure or a
    // timeout is recorded on the timeline (DiagnosticsFailed) and yields null: the workflow goes on.
    private static async Task<T?> CallAsync<T>(Flow flow, string activity, object input, string what, Task? deadline = null)
        where T : class
    {
        var context = flow.Context;
        using var timerCancellation = new CancellationTokenSource();
        var call = context.CallActivityAsync<T>(activity, input, WorkflowRetries.Diagnostics);
        var timeout = deadline ?? context.CreateTimer(context.CurrentUtcDateTime.Add(flow.DiagnosticsTimeout), timerCancellation.Token);
        string failure;
        if (await Task.WhenAny(call, timeout) == call)
        {
            timerCancellation.Cancel();
            try
            {
                return await call;
            }
            catch (TaskFailedException ex)
            {
                failure = $"Could not read {what}: {ex.FailureDetails.ErrorMessage}";
            }
        }
        else
        {
            failure = $"Could not read {what}: no answer within {flow.DiagnosticsTimeout}.";
        }

        await RecordAsync(flow, TimelineKinds.DiagnosticsFailed, failure);
        return null;
    }

    private static Task<bool> RecordAsync(Flow flow, string kind, string message) => RecordAsync(flow, [(kind, message)]);

    // Several entries in one activity call: one pair of history events instead of one per entry.
    private static Task<bool> RecordAsync(Flow flow, IReadOnlyList<(string Kind, string Message)> entries) =>
        entries.Count == 0
            ? Task.FromResult(true)
            : flow.Context.CallActivityAsync<bool>(
                ActivityNames.RecordTimeline,
                entries.Select(e => new TimelineEntry(flow.Input.IncidentId, flow.Next(), flow.Context.CurrentUtcDateTime, e.Kind, e.Message)).ToArray(),
                WorkflowRetries.Storage);

    private static IReadOnlyList<string> MetricNames(AlertSignal signal) =>
        [.. (signal.Conditions ?? []).Select(c => c.MetricName).OfType<string>()];

    private static string Summarize(Evidence e)
    {
        var parts = new List<string> { $"{e.Instances.Count} instance(s)" };
        if (e.Plan is { } plan)
        {
            parts.Add($"plan {plan.Sku} × {plan.Capacity}" + (plan.AutoscaleMaximum is { } max ? $" (autoscale {plan.AutoscaleMinimum}-{max})" : string.Empty));
        }

        foreach (var i in e.Metrics?.Instances ?? [])
        {
            parts.Add($"{Short(i.InstanceId)}: memory {Pct(i.MemoryPercent)}, CPU {Pct(i.CpuPercent)}, 5xx {Num(i.Http5xx)}, health {Pct(i.HealthPercent)}");
        }

        if (e.Metrics is { Breaching.Count: > 0 } m)
        {
            parts.Add($"still breaching: {string.Join(", ", m.Breaching)}");
        }

        foreach (var f in e.Detectors?.Findings ?? [])
        {
            parts.Add($"{f.Detector} {f.Status}: {f.Message}");
        }

        parts.Add($"{e.Processes?.Count.ToString(CultureInfo.InvariantCulture) ?? "no"} worker process(es) listed");
        var blobs = new[] { e.Metrics?.EvidenceBlob, e.Detectors?.EvidenceBlob }.OfType<string>().ToList();
        if (blobs.Count > 0)
        {
            parts.Add("evidence: " + string.Join(", ", blobs));
        }

        return string.Join("; ", parts) + ".";
    }

    private static string Pct(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static string Num(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "n/a";

    private static string Short(string id) => id.Length > 8 ? id[..8] : id;

    private static string AppName(string? resourceId)
    {
        if (string.IsNullOrEmpty(resourceId))
        {
            return "an unknown resource";
        }

        var slash = resourceId.TrimEnd('/').LastIndexOf('/');
        return slash >= 0 ? resourceId[(slash + 1)..] : resourceId;
    }

    // What the diagnostics found; lives only in the orchestrator's memory (rebuilt on replay).
    private sealed record Evidence(
        IReadOnlyList<string> Instances, IReadOnlyList<WorkerProcess>? Processes, MetricsSummary? Metrics, DetectorsSummary? Detectors, PlanEvidence? Plan, bool IsLinux)
    {
        public static readonly Evidence None = new([], null, null, null, null, false);
    }

    // The orchestration's running state: the timeline sequence and the one outstanding wait per
    // external event (an abandoned second wait would swallow the next event of that name).
    private sealed class Flow(TaskOrchestrationContext context, RemediationInput input)
    {
        private int _sequence;
        private Task<AlertResolvedEvent>? _resolved;
        private Task<ApprovalDecisionEvent>? _decision;

        public TaskOrchestrationContext Context { get; } = context;

        public RemediationInput Input { get; } = input;

        public WorkflowSettings Settings => Input.Settings;

        public TimeSpan DiagnosticsTimeout => Settings.DiagnosticsTimeout ?? WorkflowSettings.DefaultDiagnosticsTimeout;

        public TimeSpan MetricsLookback => Settings.MetricsLookback ?? WorkflowSettings.DefaultMetricsLookback;

        public TimeSpan ApprovalTimeout => Settings.ApprovalTimeout ?? WorkflowSettings.DefaultApprovalTimeout;

        public TimeSpan VerifyInterval => Settings.VerifyInterval ?? WorkflowSettings.DefaultVerifyInterval;

        public TimeSpan VerifyHealthyFor => Settings.VerifyHealthyFor ?? WorkflowSettings.DefaultVerifyHealthyFor;

        public TimeSpan VerifyDeadline => Settings.VerifyDeadline ?? WorkflowSettings.DefaultVerifyDeadline;

        public int Next() => ++_sequence;

        // After a sub-orchestration that wrote timeline entries from `next` on.
        public void ContinueFrom(int next) => _sequence = Math.Max(_sequence, next - 1);

        public Task<AlertResolvedEvent> Resolved() => _resolved ??= Context.WaitForExternalEvent<AlertResolvedEvent>(EventNames.AlertResolved);

        public void ResolvedConsumed() => _resolved = null;

        public Task<ApprovalDecisionEvent> Decision() => _decision ??= Context.WaitForExternalEvent<ApprovalDecisionEvent>(EventNames.ApprovalDecision);

        public void DecisionConsumed() => _decision = null;
    }
}
