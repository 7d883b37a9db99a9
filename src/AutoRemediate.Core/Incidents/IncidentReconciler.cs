using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Incidents;

/// <summary>Whether an incident's workflow still runs, as the Durable backend sees it.</summary>
/// <param name="Running">Pending, running or suspended, and still serving this incident.</param>
/// <param name="Description">What the backend says, in words (for the timeline and 409 answers).</param>
public sealed record WorkflowLiveness(bool Running, string Description);

/// <summary>
/// The safety net behind the orchestration's own error handling. The orchestration escalates its
/// incident on any failure, with a long retry; if even that write fails (storage down for longer), the
/// orchestration ends Failed and the incident row still says Investigating or AwaitingApproval. Whoever
/// next looks at the incident (GET, a decision) asks the Durable backend whether a workflow still runs
/// for it, and if none does, closes it Escalated with the reason, conditional on the row it read so the
/// workflow's own last write always wins.
/// </summary>
public sealed class IncidentReconciler
{
    private static readonly OrchestrationRuntimeStatus[] s_running =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    private readonly IIncidentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<IncidentReconciler> _logger;

    /// <summary>Creates the reconciler.</summary>
    public IncidentReconciler(IIncidentStore store, TimeProvider time, ILogger<IncidentReconciler> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Asks the backend about the workflow of <paramref name="incident"/> (the instance of its app, if it still serves this incident).</summary>
    public static async Task<WorkflowLiveness> GetLivenessAsync(IncidentRecord incident, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            return new WorkflowLiveness(false, "no workflow exists for the app");
        }

        var serves = IncidentIds.IncidentServedBy(instance);
        if (!string.Equals(serves, incident.IncidentId, StringComparison.Ordinal))
        {
            return new WorkflowLiveness(false, $"the app's workflow now serves incident {serves ?? "unknown"}");
        }

        return instance.RuntimeStatus switch
        {
            _ when s_running.Contains(instance.RuntimeStatus) => new WorkflowLiveness(true, instance.RuntimeStatus.ToString()),
            OrchestrationRuntimeStatus.Failed => new WorkflowLiveness(false, $"the workflow failed: {instance.FailureDetails?.ErrorMessage ?? "no details"}"),
            OrchestrationRuntimeStatus.Terminated => new WorkflowLiveness(false, "the workflow was terminated"),
            _ => new WorkflowLiveness(false, $"the workflow is {instance.RuntimeStatus}"),
        };
    }

    /// <summary>
    /// Returns the incident as it now stands and whether its workflow runs. An incident that is not
    /// closed although no workflow runs for it is escalated first, with the reason on its timeline.
    /// A freshly received incident is left alone: the ingest path (and Azure Monitor's retry) owns it.
    /// </summary>
    public async Task<(IncidentRecord Incident, WorkflowLiveness Workflow)> ReconcileAsync(IncidentRecord incident, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var liveness = await GetLivenessAsync(incident, client, cancellationToken).ConfigureAwait(false);
        if (liveness.Running || incident.HasFinalStatus || incident.Status == IncidentStatus.Received || incident.ETag is null)
        {
            return (incident, liveness);
        }

        var at = _time.GetUtcNow();
        var summary = $"The remediation stopped without closing the incident ({liveness.Description}); nothing more will be done automatically; on-call takes over.";
        if (await _store.TryCloseAsync(incident.IncidentId, incident.ETag, IncidentStatus.Escalated, summary, at, cancellationToken).ConfigureAwait(false))
        {
            await _store.AppendExternalAsync(incident.IncidentId, incident.IncidentId + ":workflow-stopped", at, TimelineKinds.WorkflowFailed, summary, cancellationToken).ConfigureAwait(false);
            Log.StuckIncidentEscalated(_logger, incident.IncidentId, liveness.Description);
        }

        return (await _store.GetAsync(incident.IncidentId, cancellationToken).ConfigureAwait(false) ?? incident, liveness);
    }
}
