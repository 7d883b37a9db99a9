using AutoRemediate.Actions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Decisions;

/// <summary>
/// <see cref="Workflow.ActivityNames.DecidePlan"/>: adds what only storage knows (the app's recent
/// actions, the actions running fleet-wide) to the workflow's evidence and applies the policy in force.
/// The decision itself is <see cref="RemediationPolicy.Decide"/>, a pure function; its result is kept in
/// the history, so a replay sees the same decision even if the policy changed meanwhile.
/// </summary>
public sealed class DecisionActivities
{
    /// <summary>An action older than this no longer counts as running fleet-wide, even if its incident never finished it.</summary>
    public static readonly TimeSpan RunningHorizon = TimeSpan.FromHours(2);

    private readonly IActionJournal _journal;
    private readonly IOptions<PolicyOptions> _policy;

    /// <summary>Creates the activity.</summary>
    public DecisionActivities(IActionJournal journal, IOptions<PolicyOptions> policy)
    {
        _journal = journal;
        _policy = policy;
    }

    /// <summary>Decides.</summary>
    public async Task<Decision> DecideAsync(DecisionInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var recent = await _journal.RecentAsync(input.TargetResourceId, input.Now.AddDays(-1), cancellationToken).ConfigureAwait(false);
        var running = await _journal.CountRunningAsync(input.Now - RunningHorizon, cancellationToken).ConfigureAwait(false);
        var full = input with
        {
            RecentActions = [.. recent.Select(a => new PastAction(a.StartedAt, a.Plan, a.TargetResourceId, a.IncidentId))],
            ActionsInProgressFleetWide = running,
        };
        return RemediationPolicy.Decide(full, _policy.Value);
    }
}
