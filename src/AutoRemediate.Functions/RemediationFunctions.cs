using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Notify;
using AutoRemediate.Shared;
using AutoRemediate.Workflow;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Functions;

/// <summary>
/// The remediation orchestration and its activities, under Core's names. Hand-written wrappers
/// because Microsoft.DurableTask.Generators is not available; each forwards to Core unchanged, inside the incident's
/// log scope (IncidentId, App) so every log line of an activity lands with its incident in Application Insights.
/// </summary>
public sealed class RemediationFunctions(
    IncidentActivities activities, PlatformActivities platform, SiteActivities site, ProcessActivities processes, MetricsActivities metrics,
    DetectorActivities detectors, DiagnoseActivities diagnose, OpeningActivities opening, DumpActivities dumps, DecisionActivities decisions, ApprovalActivities approvals, ActionActivities actions,
    NotifyActivities notify, ILogger<RemediationFunctions> logger)
{
    /// <summary>The orchestration: Core's <see cref="RemediationOrchestration.RunAsync"/>.</summary>
    [Function(OrchestrationNames.Remediation)]
    // The input parameter (no attribute) is bound from the orchestration input by the Durable extension.
    public static Task<RemediationResult> RemediationAsync([OrchestrationTrigger] TaskOrchestrationContext context, RemediationInput input) =>
        RemediationOrchestration.RunAsync(context, input);

    /// <summary>The verification sub-orchestration: Core's <see cref="VerificationOrchestration.RunAsync"/>.</summary>
    [Function(OrchestrationNames.Verification)]
    public static Task<VerificationResult> VerificationAsync([OrchestrationTrigger] TaskOrchestrationContext context, VerificationInput input) =>
        VerificationOrchestration.RunAsync(context, input);

    /// <summary><see cref="ActivityNames.OpenIncident"/>.</summary>
    [Function(ActivityNames.OpenIncident)]
    public Task<bool> OpenIncidentAsync([ActivityTrigger] OpenIncidentRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, activities.OpenIncidentAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectSiteSnapshot"/>.</summary>
    [Function(ActivityNames.CollectSiteSnapshot)]
    public Task<SiteSnapshot> CollectSiteSnapshotAsync([ActivityTrigger] string siteResourceId, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, siteResourceId, site.CollectSiteSnapshotAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.RecordTimeline"/>.</summary>
    [Function(ActivityNames.RecordTimeline)]
    public Task<bool> RecordTimelineAsync([ActivityTrigger] TimelineEntry[] entries, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, entries, activities.RecordTimelineAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CloseIncident"/>.</summary>
    [Function(ActivityNames.CloseIncident)]
    public Task<bool> CloseIncidentAsync([ActivityTrigger] CloseIncidentRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, activities.CloseIncidentAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.EscalateAfterError"/>.</summary>
    [Function(ActivityNames.EscalateAfterError)]
    public Task<bool> EscalateAfterErrorAsync([ActivityTrigger] EscalateAfterErrorRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, activities.EscalateAfterErrorAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.SetStatus"/>.</summary>
    [Function(ActivityNames.SetStatus)]
    public Task<bool> SetStatusAsync([ActivityTrigger] SetStatusRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, activities.SetStatusAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CheckPlatform"/>.</summary>
    [Function(ActivityNames.CheckPlatform)]
    public Task<PlatformCheck> CheckPlatformAsync([ActivityTrigger] PlatformCheckRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, platform.CheckPlatformAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectPlan"/>.</summary>
    [Function(ActivityNames.CollectPlan)]
    public Task<PlanEvidence> CollectPlanAsync([ActivityTrigger] string request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, site.CollectPlanAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectInstances"/>.</summary>
    [Function(ActivityNames.CollectInstances)]
    public Task<IReadOnlyList<string>> CollectInstancesAsync([ActivityTrigger] string request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, site.CollectInstancesAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectProcesses"/>.</summary>
    [Function(ActivityNames.CollectProcesses)]
    public Task<IReadOnlyList<WorkerProcess>> CollectProcessesAsync([ActivityTrigger] ProcessesRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, processes.CollectProcessesAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectMetrics"/>.</summary>
    [Function(ActivityNames.CollectMetrics)]
    public Task<MetricsSummary> CollectMetricsAsync([ActivityTrigger] MetricsRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, metrics.CollectMetricsAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.BeginIncident"/>.</summary>
    [Function(ActivityNames.BeginIncident)]
    public Task<BeginIncidentResult> BeginIncidentAsync([ActivityTrigger] BeginIncidentRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, opening.BeginAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.Assess"/>.</summary>
    [Function(ActivityNames.Assess)]
    public Task<AssessResult> AssessAsync([ActivityTrigger] AssessRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, opening.AssessAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.Diagnose"/>.</summary>
    [Function(ActivityNames.Diagnose)]
    public Task<DiagnoseResult> DiagnoseAsync([ActivityTrigger] DiagnoseRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, diagnose.DiagnoseAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CollectDetectors"/>.</summary>
    [Function(ActivityNames.CollectDetectors)]
    public Task<DetectorsSummary> CollectDetectorsAsync([ActivityTrigger] DetectorsRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, detectors.CollectDetectorsAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CheckHealth"/>.</summary>
    [Function(ActivityNames.CheckHealth)]
    public Task<HealthReading> CheckHealthAsync([ActivityTrigger] MetricsRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, metrics.CheckHealthAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.CaptureDump"/>.</summary>
    [Function(ActivityNames.CaptureDump)]
    public Task<DumpOutcome> CaptureDumpAsync([ActivityTrigger] DumpRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, dumps.CaptureDumpAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.DecidePlan"/>.</summary>
    [Function(ActivityNames.DecidePlan)]
    public Task<Decision> DecidePlanAsync([ActivityTrigger] DecideRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, decisions.DecideAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.RequestApproval"/>.</summary>
    [Function(ActivityNames.RequestApproval)]
    public Task<bool> RequestApprovalAsync([ActivityTrigger] ApprovalRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, approvals.RequestAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.EndApproval"/>.</summary>
    [Function(ActivityNames.EndApproval)]
    public Task<bool> EndApprovalAsync([ActivityTrigger] ApprovalEnded request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, approvals.EndAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.ExpireApproval"/>.</summary>
    [Function(ActivityNames.ExpireApproval)]
    public Task<ApprovalDecisionEvent?> ExpireApprovalAsync([ActivityTrigger] ApprovalExpiry request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, approvals.ExpireAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.ExecuteAction"/>.</summary>
    [Function(ActivityNames.ExecuteAction)]
    public Task<ActionOutcome> ExecuteActionAsync([ActivityTrigger] ActionRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, actions.ExecuteAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.FinishActions"/>.</summary>
    [Function(ActivityNames.FinishActions)]
    public Task<bool> FinishActionsAsync([ActivityTrigger] FinishActionsRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, actions.FinishAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.NotifyApprovers"/>.</summary>
    [Function(ActivityNames.NotifyApprovers)]
    public Task<MailResult> NotifyApproversAsync([ActivityTrigger] ApprovalMailRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, notify.NotifyApproversAsync, cancellationToken);

    /// <summary><see cref="ActivityNames.NotifyOutcome"/>.</summary>
    [Function(ActivityNames.NotifyOutcome)]
    public Task<MailResult> NotifyOutcomeAsync([ActivityTrigger] OutcomeMailRequest request, CancellationToken cancellationToken) =>
        IncidentLogScope.RunAsync(logger, request, notify.NotifyOutcomeAsync, cancellationToken);
}
