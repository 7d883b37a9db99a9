using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// The remediation workflow, written once and registered by both hosts under
/// <see cref="OrchestrationNames.Remediation"/>. It only sequences the README's steps: 1 open →
/// 2 platform check → 3 diagnostics (fan-out) → 4 decide → 5 dump → 6 approval → 7 act → 8 verify →
/// 9 close, or escalate with the next rung. Choices are pure functions in Decisions/ (what to decide
/// from, which process, which action), words are in <see cref="TimelineText"/>; here there is no I/O,
/// no clock but <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>, every side effect is an
/// activity and every wait a durable timer or an external event.
/// </summary>
public static class RemediationOrchestration
{
    // restart → scale → people: the policy's ladder has two rungs, and after a scale step it always
    // escalates (RemediationPolicy.NextRung). So after the second rung the workflow escalates without
    // asking it again, which keeps a third decision (about 3 KiB) out of the history.
    private const int MaxRungs = 2;

    /// <summary>The verification sub-orchestration of one rung of an incident: its own instance, never reused by another incident.</summary>
    public static string VerificationInstanceId(string incidentId, int rung) => $"{incidentId}-v{rung.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Every verification instance an incident's remediation can have started (one per rung).</summary>
    public static IEnumerable<string> VerificationInstanceIds(string incidentId) =>
        Enumerable.Range(1, MaxRungs).Select(rung => VerificationInstanceId(incidentId, rung));

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
        // Whatever the runtime logs while this episode runs carries the incident id and app.
        using var logScope = IncidentLogScope.Begin(context.CreateReplaySafeLogger(typeof(RemediationOrchestration)), input.IncidentId, input.TargetResourceId);
        var flow = new RemediationFlow(context, input);
        string reason;
        try
        {
            try
            {
                return await RemediateAsync(flow);
            }
            catch (IncidentCancelledException cancelled)
            {
                // A person cancelled it (POST /api/incidents/{id}/cancel): the workflow stopped between
                // steps, so whatever activity was in flight finished first.
                return await RemediationClose.CancelAsync(flow, cancelled.Cancel);
            }
        }
        catch (Exception ex)
        {
            // Every failure, not only TaskFailedException: an unexpected exception is a bug, and the
            // incident must still end. Nothing here is retried by hand; the escalation below is one
            // activity with a long durable retry policy. If even that fails, the orchestration fails:
            // the decision endpoint and GET /api/incidents/{id} notice that no workflow runs for the
            // incident any more and close it then (IncidentReconciler).
            reason = TimelineText.Failure(ex);
        }

        // Operators see it in the Durable status query too, before the write below has gone through.
        context.SetCustomStatus(TimelineText.EscalatingStatus(reason));
        var summary = TimelineText.StoppedOnError(reason);
        try
        {
            // What was deferred (entries, an approval end) before the failure still goes on the timeline.
            await flow.FlushAsync();
        }
        catch (TaskFailedException)
        {
            // Storage stayed down: the escalation below is what matters.
        }

        await context.CallActivityAsync<bool>(ActivityNames.EscalateAfterError,
            new EscalateAfterErrorRequest(input.IncidentId, flow.Next(), context.CurrentUtcDateTime, summary, input.TargetResourceId), WorkflowRetries.LastResort);
        try
        {
            // An action this incident started stops counting toward the fleet-wide cap.
            await flow.FinishActionsAsync();
        }
        catch (TaskFailedException)
        {
            // Best effort: the cap only counts actions started within its window, so this one ages out.
        }

        return new RemediationResult(input.IncidentId, IncidentStatus.Escalated, summary);
    }

    private static async Task<RemediationResult> RemediateAsync(RemediationFlow flow)
    {
        var context = flow.Context;
        var input = flow.Input;

        // 1-4. Open the incident, read the site, check the platform (platform first: when Azure is at fault, acting on
        // the app cannot help), run the diagnostics and decide the first rung: one activity (Assess), as the steps run
        // one after the other anyway. Each read keeps its retries and a shared deadline inside it (a plan alert reads
        // nothing); the diagnostics are skipped when the platform is at fault or the fleet breaker tripped (the
        // policy then escalates on the platform alone: a storm of many apps must not fan out a set of reads for each).
        var now = context.CurrentUtcDateTime;
        // The metrics window opens before the alert fired; an alert delivered hours late (or replayed by hand) gets
        // the window before now instead, as the metrics API refuses very long 1-minute series.
        var fired = input.Signal.FiredAt.UtcDateTime;
        var metricsStart = (fired > now.AddHours(-6) && fired <= now ? fired : now) - flow.MetricsLookback;
        var alertMetrics = AlertMetrics(input.Signal);
        var assessed = await context.CallActivityAsync<AssessResult>(ActivityNames.Assess,
            new AssessRequest(
                new BeginIncidentRequest(input.IncidentId, flow.Next(), now, TimelineText.Opened(input.Signal, input.TargetResourceId), input.TargetResourceId, flow.DiagnosticsTimeout),
                metricsStart, AlertCriterion.Of(input.Signal), alertMetrics),
            WorkflowRetries.Storage);
        if (!assessed.Opened)
        {
            // Cancelled while only Received (the cancel endpoint closed it): nothing is done, nothing written.
            return new RemediationResult(input.IncidentId, IncidentStatus.Cancelled, TimelineText.CancelledBeforeStart);
        }

        // The activity wrote its entries (opened, the reads, the diagnostics, PlanChosen) from the position it was given on.
        flow.ContinueFrom(assessed.NextSequence);
        flow.ThrowIfCancelled();
        if (ResourceIds.KindOf(input.TargetResourceId) == TargetKind.Plan)
        {
            await flow.RecordAsync(TimelineKinds.PlanAlert, TimelineText.PlanAlert(input.TargetResourceId));
            return await RemediationClose.EscalateAsync(flow, TimelineText.PlanAlertEscalated);
        }

        var site = assessed.Site;
        var platformEvidence = PlatformVerdict.Of(assessed.Platform);
        if (site is null && !PlatformVerdict.AtFault(platformEvidence))
        {
            // Without the site (its plan, its OS, whether it exists at all) nothing can be done safely.
            return await RemediationClose.EscalateAsync(flow, TimelineText.SiteUnreadable);
        }

        var diagnosis = assessed.Diagnosis;
        var findings = diagnosis is null ? IncidentFindings.None
            : new IncidentFindings(diagnosis.Instances, diagnosis.Processes, diagnosis.Metrics, diagnosis.Detectors, diagnosis.Plan, site!.IsLinux);
        var firstDecision = diagnosis?.Decision;
        var tried = new List<PlanKind>();
        var dumped = false;
        for (var rung = 1; rung <= MaxRungs; rung++)
        {
            flow.ThrowIfCancelled();
            // 4. Decide. The activity adds the journal's facts, applies the policy and records PlanChosen (the first
            // rung's decision came with the diagnosis, unless there was none).
            var decision = rung == 1 && firstDecision is { } decided ? decided : await DecideAsync(flow, alertMetrics, platformEvidence, findings, tried);
            if (decision.Plan == PlanKind.Escalate)
            {
                return await RemediationClose.EscalateAsync(flow, decision.Reason);
            }

            if (decision.DryRun)
            {
                await flow.RecordAsync(TimelineKinds.DryRun, TimelineText.DryRun(decision.Plan));
                return await RemediationClose.EscalateAsync(flow, TimelineText.DryRunEscalated(decision));
            }

            flow.ThrowIfCancelled();
            var action = ActionPlanner.For(decision, input.IncidentId, input.TargetResourceId, site!, findings, context.CurrentUtcDateTime, rung);
            if (action is null)
            {
                return await RemediationClose.EscalateAsync(flow, TimelineText.NoWorkerToRestart(decision));
            }

            // 5. Evidence before action: a dump of the sick process before a restart wipes it.
            if (decision.DumpFirst && !dumped)
            {
                dumped = true;
                flow.Dump = await DumpAsync(flow, site!, Culprits.ToDump(decision, findings, Culprits.ByMemory(alertMetrics)));
            }

            // 6. Approval (the mail to the approvers shows what was found).
            flow.ThrowIfCancelled();
            flow.Findings = findings;
            if (await RemediationApproval.RunAsync(flow, decision, rung) is { } ended)
            {
                return ended;
            }

            // 7. Act (the approval step set the status to Mitigating; the activity records ActionTaken).
            // Last look before touching the app: a Resolved notification that arrived meanwhile (during
            // the dump, or while a plan approved by configuration had no wait to catch it) means the app
            // recovered on its own. A zero-wait look at the pending event is deterministic: on replay
            // the event has been delivered at the same point of the history.
            if (flow.Resolved() is { IsCompleted: true } resolvedMeanwhile)
            {
                var r = resolvedMeanwhile.Result;
                flow.ResolvedConsumed();
                // Nothing to finish: this rung started no action, and an earlier rung's finished with its verification.
                await flow.RecordAsync(TimelineKinds.ActionCancelled, TimelineText.CancelledBeforeAction(decision.Plan, r));
                return await RemediationClose.ResolveAsync(flow, TimelineText.ResolvedBeforeAction(decision.Plan, r));
            }

            // The last look for a cancel before touching the app; once the call is sent it finishes (with its
            // journal row) before the workflow looks again.
            flow.ThrowIfCancelled();
            // The approval step's end (ApprovalGranted, ...) travels with the action: one activity call fewer.
            var approvalEnd = flow.TakeApprovalEnd();
            ActionOutcome acted;
            try
            {
                // The activity also sets the Verifying status once it has acted: the verification below starts at once.
                // Its outcome says so (an action scheduled before this was deployed did not, and its verification writes it).
                acted = await context.CallActivityAsync<ActionOutcome>(ActivityNames.ExecuteAction, action with
                {
                    Approval = approvalEnd is { } end ? new ApprovalStepEnd(end.Sequence, end.At, end.Kind, end.Message) : null,
                    Sequence = flow.Next(),
                    ThenVerifying = TimelineText.Watching(flow.VerifyHealthyFor, flow.VerifyDeadline),
                    IncidentCreatedAt = assessed.CreatedAt,
                }, WorkflowRetries.Action);
                flow.Done.Add(decision.Plan);
            }
            catch (TaskFailedException ex)
            {
                if (approvalEnd is not null)
                {
                    // The action failed before or after writing the approval's end: written (again, idempotently) here.
                    await context.CallActivityAsync<bool>(ActivityNames.EndApproval, approvalEnd, WorkflowRetries.Storage);
                }

                await flow.RecordAsync(TimelineKinds.ActionFailed, TimelineText.ActionFailed(decision.Plan, ex.FailureDetails.ErrorMessage));
                await flow.FinishActionsAsync();
                return await RemediationClose.EscalateAsync(flow, TimelineText.ActionFailedEscalated(decision.Plan, ex.FailureDetails.ErrorMessage));
            }

            tried.Add(decision.Plan);

            // 8. Verify, in a sub-orchestration of its own: the polls stay out of this history, and so do
            // the steps that close a rung (the actions stop counting toward the fleet cap; on failure,
            // VerificationFailed and the plan as it is now, which the next rung scales from).
            flow.ThrowIfCancelled();
            var verificationId = VerificationInstanceId(input.IncidentId, rung);
            var verification = context.CallSubOrchestratorAsync<VerificationResult>(OrchestrationNames.Verification,
                new VerificationInput(input.IncidentId, input.TargetResourceId, site!.ServerFarmId, AlertCriterion.Of(input.Signal), flow.VerifyInterval, flow.VerifyHealthyFor,
                    flow.VerifyDeadline, VerificationOrchestration.PollsFor(flow.VerifyDeadline, flow.VerifyInterval), flow.Next(), Action: decision.Plan.ToString(), StatusWritten: acted.VerifyingWritten, PollWritesEntry: true),
                new SubOrchestrationOptions { InstanceId = verificationId });
            if (await Task.WhenAny(verification, flow.Cancel()) != verification)
            {
                // Cancelled while verifying: the verification stops at its next poll (after the one in flight).
                context.SendEvent(verificationId, EventNames.CancelRequested, flow.Cancel().Result);
            }

            var verified = await verification;
            flow.ContinueFrom(verified.NextSequence);
            flow.ThrowIfCancelled();
            if (verified.Healthy)
            {
                // 9. Close.
                return await RemediationClose.ResolveAsync(flow, TimelineText.Recovered(decision.Plan, verified.Reading));
            }

            findings = findings with { Plan = verified.Plan ?? findings.Plan };
        }

        return await RemediationClose.EscalateAsync(flow, TimelineText.LadderExhausted(tried));
    }

    // 4. Decide, after a rung that did not help or when nothing was diagnosed (the platform was at fault): the
    // activity adds the journal's facts, applies the policy and records PlanChosen.
    private static Task<Decision> DecideAsync(RemediationFlow flow, IReadOnlyList<string> alertMetrics, PlatformEvidence platform, IncidentFindings findings, IReadOnlyList<PlanKind> tried)
    {
        var input = flow.Input;
        var decisionInput = DecisionInputs.FromFindings(input.IncidentId, input.TargetResourceId, flow.Context.CurrentUtcDateTime, alertMetrics, platform, findings, tried);
        return flow.Context.CallActivityAsync<Decision>(ActivityNames.DecidePlan, new DecideRequest(decisionInput, flow.Next()), WorkflowRetries.Storage);
    }

    // 5. The dump (the activity records DumpCaptured or DumpSkipped itself). Evidence never blocks the
    // mitigation: an activity that failed however (an exception it did not catch, retries exhausted, the
    // host's function timeout) is recorded as DumpSkipped with the reason, and the plan goes ahead.
    private static async Task<DumpOutcome?> DumpAsync(RemediationFlow flow, SiteSnapshot site, WorkerProcess? process)
    {
        if (process is null)
        {
            await flow.RecordAsync(TimelineKinds.DumpSkipped, TimelineText.NoProcessToDump);
            return null;
        }

        if (flow.Settings.DumpsEnabled == false)
        {
            // Turned off: no activity to schedule (a queue round trip and two history rows); the entry goes
            // with the next timeline write, at this position.
            flow.Defer([(TimelineKinds.DumpSkipped, TimelineText.DumpsTurnedOff)]);
            return null;
        }

        try
        {
            return await flow.Context.CallActivityAsync<DumpOutcome>(ActivityNames.CaptureDump,
                new DumpRequest(flow.Input.IncidentId, flow.Input.TargetResourceId, process, site.IsLinux, flow.Next()), WorkflowRetries.Diagnostics);
        }
        catch (TaskFailedException ex)
        {
            await flow.RecordAsync(TimelineKinds.DumpSkipped, TimelineText.DumpFailed(process, ex.FailureDetails.ErrorMessage));
            return null;
        }
    }

    private static IReadOnlyList<string> AlertMetrics(AlertSignal signal) =>
        [.. (signal.Conditions ?? []).Select(c => c.MetricName).OfType<string>()];
}
