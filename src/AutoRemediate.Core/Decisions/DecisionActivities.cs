using AutoRemediate.Actions;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Decisions;

/// <summary>
/// <see cref="ActivityNames.DecidePlan"/>: adds what only storage knows (the app's recent
/// actions, the actions running fleet-wide) to the workflow's evidence and applies the policy in force.
/// The decision itself is <see cref="RemediationPolicy.Decide"/>, a pure function; its result is kept in
/// the history, so a replay sees the same decision even if the policy changed meanwhile.
/// </summary>
public sealed class DecisionActivities
{
    /// <summary>An action older than this no longer counts as running fleet-wide, even if its incident never finished it.</summary>
    public static readonly TimeSpan RunningHorizon = TimeSpan.FromHours(2);

    private readonly IActionJournal _journal;
    private readonly IIncidentStore _incidents;
    private readonly IOptions<PolicyOptions> _policy;
    private readonly TimeProvider _time;

    /// <summary>Creates the activity.</summary>
    public DecisionActivities(IActionJournal journal, IIncidentStore incidents, IOptions<PolicyOptions> policy, TimeProvider time)
    {
        _journal = journal;
        _incidents = incidents;
        _policy = policy;
        _time = time;
    }

    /// <summary>Decides, and records the plan and why on the timeline (PlanChosen).</summary>
    public async Task<Decision> DecideAsync(DecideRequest request, CancellationToken cancellationToken = default)
    {
        var (decision, planChosen) = await DecideUnrecordedAsync(request, cancellationToken).ConfigureAwait(false);
        await _incidents.AppendTimelineAsync(planChosen, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <summary>
    /// Decides and notes a recurrence on the incident, as <see cref="DecideAsync(DecideRequest, CancellationToken)"/>
    /// does, but leaves its PlanChosen entry to the caller, who writes it with others in one request.
    /// </summary>
    public async Task<(Decision Decision, TimelineEntry PlanChosen)> DecideUnrecordedAsync(DecideRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var decision = await DecideAsync(request.Input, cancellationToken).ConfigureAwait(false);
        if (decision.Recurrence is { } recurrence && request.Input.IncidentId is { } incidentId)
        {
            await _incidents.NoteRecurrenceAsync(incidentId, recurrence.Sentence, recurrence.EarlierIncidents, cancellationToken).ConfigureAwait(false);
        }

        return (decision, new TimelineEntry(request.Input.IncidentId ?? string.Empty, request.Sequence, _time.GetUtcNow(), TimelineKinds.PlanChosen, RemediationPolicy.Describe(decision)));
    }

    /// <summary>Decides.</summary>
    public async Task<Decision> DecideAsync(DecisionInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        // One read of the app's partition covers the daily limit and the recurrence period.
        var lookBack = TimeSpan.FromDays(1) > _policy.Value.RecurrencePeriod ? TimeSpan.FromDays(1) : _policy.Value.RecurrencePeriod;
        var recent = await _journal.RecentAsync(input.TargetResourceId, input.Now - lookBack, cancellationToken).ConfigureAwait(false);
        var running = await _journal.CountRunningAsync(input.Now - RunningHorizon, cancellationToken).ConfigureAwait(false);
        var full = DecisionInputs.WithActions(input, recent, running);
        return RemediationPolicy.Decide(full, _policy.Value);
    }
}

/// <summary>Input of <see cref="ActivityNames.DecidePlan"/> (travels in history).</summary>
/// <param name="Input">The evidence; the activity adds the recent actions.</param>
/// <param name="Sequence">Timeline position for the PlanChosen entry.</param>
public sealed record DecideRequest(DecisionInput Input, int Sequence);
