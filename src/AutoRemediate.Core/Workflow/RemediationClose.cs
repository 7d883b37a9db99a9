using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// Step 9 of the remediation: close. Resolved ends the workflow; Escalated hands the incident to
/// on-call and keeps it live for the escalation hold, so repeats join it and a resolution closes it.
/// </summary>
internal static class RemediationClose
{
    /// <summary>Closes the incident Resolved.</summary>
    public static async Task<RemediationResult> ResolveAsync(RemediationFlow flow, string summary)
    {
        // A cancel that arrived meanwhile was answered 202: it is what the incident ends as.
        flow.ThrowIfCancelled();
        await flow.CloseAsync(IncidentStatus.Resolved, summary);
        return new RemediationResult(flow.Input.IncidentId, IncidentStatus.Resolved, summary);
    }

    /// <summary>
    /// Escalates the incident, then holds it live for a while (<see cref="WorkflowSettings.EscalationHold"/>): the
    /// record says until when, so the incident is not reported closed while further rules can still join it.
    /// </summary>
    public static async Task<RemediationResult> EscalateAsync(RemediationFlow flow, string summary)
    {
        flow.ThrowIfCancelled();
        var hold = flow.Settings.EscalationHold;
        var holdEnds = hold > TimeSpan.Zero ? flow.Context.CurrentUtcDateTime.Add(hold) : (DateTime?)null;
        await flow.CloseAsync(IncidentStatus.Escalated, summary, holdEnds is { } until ? new DateTimeOffset(until, TimeSpan.Zero) : null);
        var escalated = new RemediationResult(flow.Input.IncidentId, IncidentStatus.Escalated, summary);
        return holdEnds is { } end ? await HoldAsync(flow, escalated, end) : escalated;
    }

    /// <summary>
    /// Closes the incident Cancelled: the IncidentCancelled entry names who, when, why and what had been done;
    /// the incident's actions stop counting toward the fleet cap; the approvers hear it was cancelled.
    /// </summary>
    public static async Task<RemediationResult> CancelAsync(RemediationFlow flow, CancelRequestedEvent cancel)
    {
        var summary = TimelineText.CancelledSummary(cancel, TimelineText.DoneBeforeCancel(flow.Done));
        flow.Context.SetCustomStatus("Cancelled");
        await flow.CloseAsync(IncidentStatus.Cancelled, summary);
        if (flow.Done.Count > 0)
        {
            await flow.FinishActionsAsync();
        }

        return new RemediationResult(flow.Input.IncidentId, IncidentStatus.Cancelled, summary);
    }

    // After escalation the incident stays live until the hold ends: further rules firing for the app
    // join it (recorded here) instead of opening new incidents, and a Resolved notification closes it.
    private static async Task<RemediationResult> HoldAsync(RemediationFlow flow, RemediationResult escalated, DateTime end)
    {
        var context = flow.Context;
        var hold = flow.Settings.EscalationHold;
        using var timerCancellation = new CancellationTokenSource();
        var holdEnds = context.CreateTimer(end, timerCancellation.Token);
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
                await flow.RecordAsync(TimelineKinds.AlertRepeated, TimelineText.AlsoFired(repeated.Result));
                continue;
            }

            if (first == resolved)
            {
                timerCancellation.Cancel();
                return await ResolveAsync(flow, TimelineText.ResolvedAfterEscalation(resolved.Result));
            }

            await flow.RecordAsync(TimelineKinds.HoldEnded, TimelineText.HoldEnded(hold));
            return escalated;
        }
    }
}
