using AutoRemediate.Actions;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// The verification after an action, registered by both hosts under
/// <see cref="OrchestrationNames.Verification"/> and called by the remediation as a sub-orchestration.
/// It polls the app's health on durable timers until the app has stayed healthy long enough or the
/// deadline passes. Each poll costs a timer and one activity in the history, so the polls do not live
/// in the remediation's history (which sees one call per rung) and this history starts over with
/// ContinueAsNew every <see cref="PollsPerGeneration"/> polls: whatever the settings, neither grows
/// without limit.
/// </summary>
public static class VerificationOrchestration
{
    /// <summary>Polls per generation of the history; then it continues as new with its state in the input.</summary>
    public const int PollsPerGeneration = 10;

    /// <summary>Registers the orchestration on a Durable Task SDK worker.</summary>
    // Beside RunAsync on purpose: the Durable analyzers follow the registration to the body (AD0001 otherwise).
    public static void Register(DurableTaskRegistry registry) =>
        registry.AddOrchestratorFunc<VerificationInput, VerificationResult>(OrchestrationNames.Verification, RunAsync);

    /// <summary>Runs one generation of the verification.</summary>
    public static async Task<VerificationResult> RunAsync(TaskOrchestrationContext context, VerificationInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var state = input;
        if (state.DeadlineAt is null)
        {
            state = state with { DeadlineAt = context.CurrentUtcDateTime.Add(state.Deadline) };
            if (!state.StatusWritten)
            {
                // Started by a remediation from before ActionRequest.ThenVerifying: the status is written here.
                await context.CallActivityAsync<bool>(ActivityNames.SetStatus,
                    new SetStatusRequest(state.IncidentId, IncidentStatus.Verifying, TimelineText.Watching(state.HealthyFor, state.Deadline), context.CurrentUtcDateTime, state.TargetResourceId),
                    WorkflowRetries.Storage);
            }
        }

        // One wait per generation (an abandoned second wait would swallow the event). The remediation sends
        // CancelRequested here when the incident is cancelled while this runs.
        var cancel = context.WaitForExternalEvent<CancelRequestedEvent>(EventNames.CancelRequested);
        for (var poll = 0; poll < PollsPerGeneration; poll++)
        {
            if (state.PollsLeft <= 0)
            {
                return await EndAsync(context, state, healthy: false);
            }

            using var timerCancellation = new CancellationTokenSource();
            var timer = context.CreateTimer(context.CurrentUtcDateTime.Add(state.Interval), timerCancellation.Token);
            if (await Task.WhenAny(timer, cancel) == cancel)
            {
                timerCancellation.Cancel();
                return await CancelledAsync(context, state);
            }

            var now = context.CurrentUtcDateTime;
            HealthReading health;
            var entryWritten = state.PollWritesEntry;
            try
            {
                health = await context.CallActivityAsync<HealthReading>(ActivityNames.CheckHealth,
                    new MetricsRequest(state.IncidentId, state.TargetResourceId, state.PlanResourceId, now.AddMinutes(-5), now, state.Criteria, KeepEvidence: false,
                        Entry: state.PollWritesEntry ? new HealthEntry(state.NextSequence, state.LastHealthy) : null),
                    WorkflowRetries.Diagnostics);
            }
            catch (TaskFailedException ex)
            {
                health = new HealthReading(false, TimelineText.MetricsUnreadable(ex.FailureDetails.ErrorMessage));
                entryWritten = false;
            }

            var sequence = state.NextSequence;
            if (health.Healthy != state.LastHealthy)
            {
                // A timeline entry only when the verdict changes: written by the poll's activity, or here when the poll
                // failed (or the verification predates that).
                if (!entryWritten)
                {
                    await context.CallActivityAsync<bool>(ActivityNames.RecordTimeline,
                        new[] { new TimelineEntry(state.IncidentId, sequence, now, health.Healthy ? TimelineKinds.HealthyAgain : TimelineKinds.StillUnhealthy, health.Summary) },
                        WorkflowRetries.Storage);
                }

                sequence++;
            }

            var healthySince = health.Healthy ? state.HealthySince ?? now : (DateTime?)null;
            state = state with
            {
                PollsLeft = state.PollsLeft - 1,
                NextSequence = sequence,
                HealthySince = healthySince,
                LastHealthy = health.Healthy,
                Reading = health.Summary,
            };
            if (healthySince is { } since && now - since >= state.HealthyFor)
            {
                return await EndAsync(context, state, healthy: true);
            }

            if (now >= state.DeadlineAt.Value)
            {
                return await EndAsync(context, state, healthy: false);
            }
        }

        if (cancel.IsCompleted)
        {
            return await CancelledAsync(context, state);
        }

        // The state travels in the new input; a cancel that arrives meanwhile is kept for the next generation.
        context.ContinueAsNew(state with { Generation = state.Generation + 1 }, preserveUnprocessedEvents: true);
        return null!; // ignored: the instance goes on as a new generation
    }

    // Cancelled: the poll in flight has finished; the incident's actions stop counting toward the fleet cap,
    // and the remediation closes the incident Cancelled.
    private static async Task<VerificationResult> CancelledAsync(TaskOrchestrationContext context, VerificationInput state)
    {
        await context.CallActivityAsync<bool>(ActivityNames.FinishActions, new FinishActionsRequest(state.IncidentId, state.TargetResourceId), WorkflowRetries.Storage);
        return new VerificationResult(false, state.Reading ?? TimelineText.NoReadingYet, state.NextSequence, Cancelled: true);
    }

    // What closes a rung, done here rather than in the remediation so its history stays small: the
    // incident's actions stop counting toward the fleet-wide cap; after a failure, VerificationFailed
    // on the timeline and the plan as it is now (the next rung scales from where it is).
    private static async Task<VerificationResult> EndAsync(TaskOrchestrationContext context, VerificationInput state, bool healthy)
    {
        var reading = state.Reading ?? TimelineText.NoReadingYet;
        await context.CallActivityAsync<bool>(ActivityNames.FinishActions, new FinishActionsRequest(state.IncidentId, state.TargetResourceId), WorkflowRetries.Storage);
        if (healthy)
        {
            return new VerificationResult(true, reading, state.NextSequence);
        }

        var sequence = state.NextSequence;
        var entries = new List<TimelineEntry>
        {
            new(state.IncidentId, sequence++, context.CurrentUtcDateTime, TimelineKinds.VerificationFailed, TimelineText.NotRecovered(state.Deadline, state.Action, reading)),
        };
        PlanEvidence? plan = null;
        if (state.PlanResourceId is { } planId)
        {
            try
            {
                plan = await context.CallActivityAsync<PlanEvidence>(ActivityNames.CollectPlan, planId, WorkflowRetries.Diagnostics);
            }
            catch (TaskFailedException ex)
            {
                entries.Add(new(state.IncidentId, sequence++, context.CurrentUtcDateTime, TimelineKinds.DiagnosticsFailed, TimelineText.ReadFailed(TimelineText.ThePlan, ex.FailureDetails.ErrorMessage)));
            }
        }

        await context.CallActivityAsync<bool>(ActivityNames.RecordTimeline, entries.ToArray(), WorkflowRetries.Storage);
        return new VerificationResult(false, reading, sequence, plan);
    }

    /// <summary>How many polls a verification may take: one per interval until the deadline, and one more.</summary>
    public static int PollsFor(TimeSpan deadline, TimeSpan interval) =>
        (int)Math.Min(WorkflowOptions.MaxVerifyPolls, Math.Ceiling(deadline.TotalSeconds / Math.Max(1, interval.TotalSeconds)) + 1);
}
