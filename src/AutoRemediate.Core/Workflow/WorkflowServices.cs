using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Workflow;

/// <summary>Registration of the workflow's own services (its orchestrations are registered by <see cref="WorkflowRegistration"/>).</summary>
internal static class WorkflowServices
{
    /// <summary>Registers <see cref="WorkflowOptions"/> and the incident bookkeeping activities.</summary>
    public static IServiceCollection AddWorkflow(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<WorkflowOptions>(configuration, WorkflowOptions.SectionName);
        // The orchestrator reads its settings from its input only: Evidence:DumpsEnabled travels with them.
        // Read from configuration, not IOptions<EvidenceOptions>: resolving those here would validate them twice at
        // start (an invalid Evidence setting would then be reported in an AggregateException). A value that is not a
        // bool is EvidenceOptions' to refuse; here it leaves dumps on.
        services.AddOptions<WorkflowOptions>().PostConfigure(workflow =>
            workflow.DumpsEnabled = !bool.TryParse(configuration.GetSection(EvidenceOptions.SectionName)[nameof(EvidenceOptions.DumpsEnabled)], out var enabled) || enabled);
        services.AddSingleton<IncidentActivities>();
        services.AddSingleton<DiagnoseActivities>();
        services.AddSingleton<OpeningActivities>();
        services.AddSingleton<IncidentCancellation>();
        services.AddSingleton<CancelEndpoint>();
        return services;
    }
}
