using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Notify;
using AutoRemediate.Shared;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Workflow;

/// <summary>
/// Registers the remediation orchestration and its activities on a Durable Task SDK worker (the
/// DevHost and the test host). The Function App registers the same names with <c>[Function]</c>
/// wrappers; a test compares the two sets.
/// </summary>
public static class WorkflowRegistration
{
    /// <summary>Adds every orchestration and activity of the pipeline.</summary>
    public static DurableTaskRegistry AddRemediationWorkflow(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RemediationOrchestration.Register(registry);
        VerificationOrchestration.Register(registry);
        Add<IncidentActivities, OpenIncidentRequest, bool>(registry, ActivityNames.OpenIncident, a => a.OpenIncidentAsync);
        Add<OpeningActivities, BeginIncidentRequest, BeginIncidentResult>(registry, ActivityNames.BeginIncident, a => a.BeginAsync);
        Add<OpeningActivities, AssessRequest, AssessResult>(registry, ActivityNames.Assess, a => a.AssessAsync);
        Add<SiteActivities, string, SiteSnapshot>(registry, ActivityNames.CollectSiteSnapshot, a => a.CollectSiteSnapshotAsync);
        Add<IncidentActivities, IReadOnlyList<TimelineEntry>, bool>(registry, ActivityNames.RecordTimeline, a => a.RecordTimelineAsync);
        Add<IncidentActivities, SetStatusRequest, bool>(registry, ActivityNames.SetStatus, a => a.SetStatusAsync);
        Add<IncidentActivities, CloseIncidentRequest, bool>(registry, ActivityNames.CloseIncident, a => a.CloseIncidentAsync);
        Add<IncidentActivities, EscalateAfterErrorRequest, bool>(registry, ActivityNames.EscalateAfterError, a => a.EscalateAfterErrorAsync);
        Add<PlatformActivities, PlatformCheckRequest, PlatformCheck>(registry, ActivityNames.CheckPlatform, a => a.CheckPlatformAsync);
        Add<SiteActivities, string, PlanEvidence>(registry, ActivityNames.CollectPlan, a => a.CollectPlanAsync);
        Add<SiteActivities, string, IReadOnlyList<string>>(registry, ActivityNames.CollectInstances, a => a.CollectInstancesAsync);
        Add<ProcessActivities, ProcessesRequest, IReadOnlyList<WorkerProcess>>(registry, ActivityNames.CollectProcesses, a => a.CollectProcessesAsync);
        Add<MetricsActivities, MetricsRequest, MetricsSummary>(registry, ActivityNames.CollectMetrics, a => a.CollectMetricsAsync);
        Add<DetectorActivities, DetectorsRequest, DetectorsSummary>(registry, ActivityNames.CollectDetectors, a => a.CollectDetectorsAsync);
        Add<DiagnoseActivities, DiagnoseRequest, DiagnoseResult>(registry, ActivityNames.Diagnose, a => a.DiagnoseAsync);
        Add<MetricsActivities, MetricsRequest, HealthReading>(registry, ActivityNames.CheckHealth, a => a.CheckHealthAsync);
        Add<DumpActivities, DumpRequest, DumpOutcome>(registry, ActivityNames.CaptureDump, a => a.CaptureDumpAsync);
        Add<DecisionActivities, DecideRequest, Decision>(registry, ActivityNames.DecidePlan, a => a.DecideAsync);
        Add<ApprovalActivities, ApprovalRequest, bool>(registry, ActivityNames.RequestApproval, a => a.RequestAsync);
        Add<ApprovalActivities, ApprovalEnded, bool>(registry, ActivityNames.EndApproval, a => a.EndAsync);
        Add<ApprovalActivities, ApprovalExpiry, ApprovalDecisionEvent?>(registry, ActivityNames.ExpireApproval, a => a.ExpireAsync);
        Add<ActionActivities, ActionRequest, ActionOutcome>(registry, ActivityNames.ExecuteAction, a => a.ExecuteAsync);
        Add<NotifyActivities, ApprovalMailRequest, MailResult>(registry, ActivityNames.NotifyApprovers, a => a.NotifyApproversAsync);
        Add<NotifyActivities, OutcomeMailRequest, MailResult>(registry, ActivityNames.NotifyOutcome, a => a.NotifyOutcomeAsync);
        Add<ActionActivities, FinishActionsRequest, bool>(registry, ActivityNames.FinishActions, a => a.FinishAsync);
        return registry;
    }

    private static void Add<TActivities, TInput, TOutput>(
        DurableTaskRegistry registry, string name, Func<TActivities, Func<TInput, CancellationToken, Task<TOutput>>> select)
        where TActivities : notnull =>
        registry.AddActivity(name, services => new ServiceActivity<TInput, TOutput>(
            select(services.GetRequiredService<TActivities>()), services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TActivities))));

    private sealed class ServiceActivity<TInput, TOutput> : TaskActivity<TInput, TOutput>
    {
        private readonly Func<TInput, CancellationToken, Task<TOutput>> _run;
        private readonly ILogger _logger;

        public ServiceActivity(Func<TInput, CancellationToken, Task<TOutput>> run, ILogger logger)
        {
            _run = run;
            _logger = logger;
        }

        // Every log line the activity writes carries its incident id and app (IncidentLogScope).
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) =>
            IncidentLogScope.RunAsync(_logger, input, _run, CancellationToken.None);
    }
}
