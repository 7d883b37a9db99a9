using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

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
        Add<OpenIncidentRequest, bool>(registry, ActivityNames.OpenIncident, a => a.OpenIncidentAsync);
        Add<string, SiteSnapshot>(registry, ActivityNames.CollectSiteSnapshot, a => a.CollectSiteSnapshotAsync);
        Add<Incidents.TimelineEntry, bool>(registry, ActivityNames.RecordTimeline, a => a.RecordTimelineAsync);
        Add<CloseIncidentRequest, bool>(registry, ActivityNames.CloseIncident, a => a.CloseIncidentAsync);
        return registry;
    }

    private static void Add<TInput, TOutput>(
        DurableTaskRegistry registry, string name, Func<IncidentActivities, Func<TInput, CancellationToken, Task<TOutput>>> select) =>
        registry.AddActivity(name, services => new ServiceActivity<TInput, TOutput>(select(services.GetRequiredService<IncidentActivities>())));

    private sealed class ServiceActivity<TInput, TOutput>(Func<TInput, CancellationToken, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(input, CancellationToken.None);
    }
}
