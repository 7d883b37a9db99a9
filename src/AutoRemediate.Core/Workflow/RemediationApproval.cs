using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Incidents;
using AutoRemediate.Notify;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// Step 6 of the remediation: approval. A plan the policy runs without asking, or one approved by
/// configuration (unless the policy says a person must decide), goes ahead at once; otherwise people are asked and the step waits for the first of a
/// decision on this request, the alert's resolution, or the timeout. Sequencing only, like the
/// orchestrator it belongs to.
/// </summary>
internal static class RemediationApproval
{
    // Decisions for a request other than the open one (a late click on an older link) are skipped, at most this many.
    private const int MaxStaleDecisions = 20;

    /// <summary>
    /// Asks for approval when the plan needs it and waits; returns the end of the workflow when the plan does not
    /// go ahead, null when it does (the step's end is then written with the action: <see cref="RemediationFlow.Proceed"/>).
    /// </summary>
    public static async Task<RemediationResult?> RunAsync(RemediationFlow flow, Decision decision, int rung)
    {
        var context = flow.Context;
        var plan = decision.Plan;
        if (!decision.NeedsApproval)
        {
            flow.Proceed(TimelineKinds.ApprovalNotNeeded, TimelineText.NotNeeded(plan));
            return null;
        }

        // Some plans configuration may not approve: one made without a complete platform verdict, or a
        // scale step on a plan shared with apps outside Scope. They go to people, and the request says why.
        if (flow.Settings.AutoApprove && decision.NotByConfiguration is null)
        {
            flow.Proceed(TimelineKinds.ApprovalGranted, TimelineText.ApprovedByConfiguration(plan));
            return null;
        }

        var approvalId = $"{flow.Input.IncidentId}-r{rung}";
        var waits = flow.ApprovalTimeoutFor(plan);
        var expires = context.CurrentUtcDateTime.Add(waits);
        await context.CallActivityAsync<bool>(ActivityNames.RequestApproval,
            new ApprovalRequest(flow.Input.IncidentId, approvalId, flow.Next(), context.CurrentUtcDateTime, decision, expires), WorkflowRetries.Storage);
        // The request is stored, so its wait starts now; the mail goes out beside it, retried durably,
        // and a mail server that stays down is recorded (MailFailed) without holding the decision up.
        flow.StartApprovalMail(MailRequest(flow, approvalId, decision, expires));

        // One durable timer at a time: the reminder's first (when there is one), then the expiry's. A timer the workflow
        // no longer waits for still fires into the history later, so one outstanding timer keeps that to one row.
        using var timerCancellation = new CancellationTokenSource();
        var reminding = flow.ApprovalReminder > TimeSpan.Zero && waits > flow.ApprovalReminder;
        var timer = context.CreateTimer(reminding ? expires - flow.ApprovalReminder : expires, timerCancellation.Token);
        return await WaitAsync(flow, decision, approvalId, waits, expires, timer, reminding, timerCancellation, flow.Resolved());
    }

    // timer: the reminder's while reminding, then the expiry's.
    private static async Task<RemediationResult?> WaitAsync(
        RemediationFlow flow, Decision decision, string approvalId, TimeSpan waits, DateTime expires, Task timer, bool reminding, CancellationTokenSource timerCancellation, Task<AlertResolvedEvent> resolved)
    {
        var plan = decision.Plan;
        for (var stale = 0; stale <= MaxStaleDecisions; stale++)
        {
            var decided = flow.Decision();
            var cancel = flow.Cancel();
            var first = await Task.WhenAny(decided, resolved, timer, cancel);
            if (first == cancel)
            {
                timerCancellation.Cancel();
                // The cancel endpoint withdrew the request already; withdrawing again is a no-op that also
                // clears the incident's pending approval, so a late click on the link changes nothing.
                var claimed = await flow.ExpireApprovalAsync(approvalId, withdrawn: true, TimelineText.CancelledWhileWaiting(plan, cancel.Result));
                if (claimed is not null)
                {
                    await flow.EndApprovalAsync(TimelineKinds.ApprovalWithdrawn, TimelineText.CancelAfterClaim(plan, claimed, cancel.Result), proceed: false);
                }

                throw new IncidentCancelledException(cancel.Result);
            }

            if (first == timer && reminding)
            {
                reminding = false;
                timer = flow.Context.CreateTimer(expires, timerCancellation.Token);
                stale--; // not a decision: the wait goes on as before
                if (flow.ApprovalMailReachedSomebody)
                {
                    flow.StartApprovalMail(MailRequest(flow, approvalId, decision, expires) with { Reminder = true });
                }

                continue;
            }

            if (first == decided)
            {
                var d = decided.Result;
                flow.DecisionConsumed();
                if (!string.Equals(d.ApprovalId, approvalId, StringComparison.Ordinal))
                {
                    continue; // a decision on an earlier request of this incident, arriving late
                }

                timerCancellation.Cancel();
                return await DecidedAsync(flow, plan, d);
            }

            if (first == resolved)
            {
                timerCancellation.Cancel();
                var r = resolved.Result;
                flow.ResolvedConsumed();
                var claimed = await flow.ExpireApprovalAsync(approvalId, withdrawn: true, TimelineText.ResolvedWhileWaiting(plan, r));
                if (claimed is not null)
                {
                    // Somebody claimed the decision just before the resolution reached the workflow: the
                    // app recovered anyway, so nothing is done, and the timeline says whose decision it was.
                    await flow.EndApprovalAsync(TimelineKinds.ApprovalWithdrawn, TimelineText.WithdrawnAfterClaim(plan, claimed, r), proceed: false);
                }

                return await RemediationClose.ResolveAsync(flow, TimelineText.ResolvedWhileWaitingSummary(plan, r));
            }

            break;
        }

        timerCancellation.Cancel();
        // The expiry and a claim are conditional writes on the same request row: a decision claimed
        // before the expiry was written wins even when its event reaches the workflow after the timer.
        var late = await flow.ExpireApprovalAsync(approvalId, withdrawn: false,
            decision.ProceedOnTimeout ? TimelineText.NobodyDecidedLowRisk(plan, waits) : TimelineText.NobodyDecided(plan, waits));
        if (late is not null)
        {
            return await DecidedAsync(flow, plan, late);
        }

        if (decision.ProceedOnTimeout)
        {
            // A low-risk plan goes ahead; the timeline already says it timed out, never that anybody approved it.
            flow.Proceed(TimelineKinds.ProceedingAfterTimeout, TimelineText.ProceedsAfterTimeout(plan));
            return null;
        }

        return await RemediationClose.EscalateAsync(flow, TimelineText.NotApprovedInTime(plan, waits));
    }

    // What the mail says, as small summaries: the history keeps this input, so texts are capped.
    private static ApprovalMailRequest MailRequest(RemediationFlow flow, string approvalId, Decision decision, DateTime expires)
    {
        var signal = flow.Input.Signal;
        var findings = flow.Findings;
        var breaching = findings?.Metrics?.Breaching ?? [];
        var metrics = (signal.Conditions ?? [])
            .Where(c => c.MetricName is not null)
            .Take(10)
            .Select(c => new MailMetric(Cap(c.MetricName!, 200)!, Cap(c.Operator, 40), Cap(c.Threshold, 40), c.ObservedValue, breaching.Contains(c.MetricName!, StringComparer.OrdinalIgnoreCase)))
            .ToArray();
        var app = ResourceIds.TryParse(flow.Input.TargetResourceId, out var id) ? id!.Name : null;
        var others = (findings?.Plan?.Apps ?? []).Where(a => !string.Equals(a, app, StringComparison.OrdinalIgnoreCase)).Take(50).Select(a => Cap(a, 100)!).ToArray();
        var dump = flow.Dump is { Stored: true, BlobUri: { } blob } d ? new MailDump(Cap(blob, 500)!, d.Bytes) : null;
        return new ApprovalMailRequest(flow.Input.IncidentId, approvalId, flow.Next(), flow.Context.CurrentUtcDateTime, flow.Input.TargetResourceId,
            new MailAlert(Cap(signal.AlertRule, 200)!, Cap(signal.Severity, 20)!, signal.FiredAt, Cap(signal.Description, ApprovalMail.MaxText)),
            // What the diagnostics found is read by the activity from the timeline (DiagnosticsCollected), not carried here.
            decision, expires, metrics, null, dump, others);
    }

    private static string? Cap(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    // Null when the approved plan goes ahead; the end of the workflow when it was rejected.
    private static async Task<RemediationResult?> DecidedAsync(RemediationFlow flow, PlanKind plan, ApprovalDecisionEvent d)
    {
        if (d.Approved)
        {
            flow.Proceed(TimelineKinds.ApprovalGranted, TimelineText.Approved(plan, d));
            return null;
        }

        await flow.EndApprovalAsync(TimelineKinds.ApprovalRejected, TimelineText.Rejected(plan, d), proceed: false);
        return await RemediationClose.EscalateAsync(flow, TimelineText.RejectedEscalated(plan, d));
    }
}
