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
        services.AddSingleton<IncidentActivities>();
        services.AddSingleton<IncidentCancellation>();
        services.AddSingleton<CancelEndpoint>();
        return services;
    }
}
