using AutoRemediate.Incidents;
using AutoRemediate.Workflow;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace AutoRemediate.Functions;

/// <summary>
/// The remediation orchestration and its activities, under Core's names. Hand-written wrappers
/// because Microsoft.DurableTask.Generators is not available; each forwards to Core unchanged.
/// </summary>
public sealed class RemediationFunctions(IncidentActivities activities)
{
    /// <summary>The orchestration: Core's <see cref="RemediationOrchestration.RunAsync"/>.</summary>
    [Function(OrchestrationNames.Remediation)]
    // The input parameter (no attribute) is bound from the orchestration input by the Durable extension.
    public static Task<RemediationResult> RemediationAsync([OrchestrationTrigger] TaskOrchestrationContext context, RemediationInput input) =>
        RemediationOrchestration.RunAsync(context, input);

    /// <summary><see cref="ActivityNames.OpenIncident"/>.</summary>
    [Function(ActivityNames.OpenIncident)]
    public Task<bool> OpenIncidentAsync([ActivityTrigger] OpenIncidentRequest request, CancellationToken cancellationToken) =>
        activities.OpenIncidentAsync(request, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectSiteSnapshot"/>.</summary>
    [Function(ActivityNames.CollectSiteSnapshot)]
    public Task<SiteSnapshot> CollectSiteSnapshotAsync([ActivityTrigger] string siteResourceId, CancellationToken cancellationToken) =>
        activities.CollectSiteSnapshotAsync(siteResourceId, cancellationToken);

    /// <summary><see cref="ActivityNames.RecordTimeline"/>.</summary>
    [Function(ActivityNames.RecordTimeline)]
    public Task<bool> RecordTimelineAsync([ActivityTrigger] TimelineEntry entry, CancellationToken cancellationToken) =>
        activities.RecordTimelineAsync(entry, cancellationToken);

    /// <summary><see cref="ActivityNames.CloseIncident"/>.</summary>
    [Function(ActivityNames.CloseIncident)]
    public Task<bool> CloseIncidentAsync([ActivityTrigger] CloseIncidentRequest request, CancellationToken cancellationToken) =>
        activities.CloseIncidentAsync(request, cancellationToken);
}
