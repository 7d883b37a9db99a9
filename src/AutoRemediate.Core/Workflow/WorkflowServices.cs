using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Workflow;

/// <summary>Registration of the workflow's own services (its orchestrations are registered by <see cref="WorkflowRegistration"/>).</summary>
internal static class WorkflowServices
{
    /// <summary>Registers <see cref="WorkflowOptions"/> and the incident bookkeeping activities.</summary>
    public static IServiceCollection AddWorkflow(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<WorkflowOptions>(configuration, WorkflowOptions.SectionName);
        // The orchestrator reads its settings from its input only: Evidence:DumpsEnabled travels with them.
        services.AddOptions<WorkflowOptions>().PostConfigure<IOptions<EvidenceOptions>>((workflow, evidence) => workflow.DumpsEnabled = evidence.Value.DumpsEnabled);
        services.AddSingleton<IncidentActivities>();
        services.AddSingleton<DiagnoseActivities>();
        services.AddSingleton<OpeningActivities>();
        services.AddSingleton<IncidentCancellation>();
        services.AddSingleton<CancelEndpoint>();
        return services;
    }
}
