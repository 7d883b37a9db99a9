using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Incidents;

/// <summary>Registration of the incident store and what reads it.</summary>
internal static class IncidentServices
{
    /// <summary>Registers the incident store (on the <see cref="StorageClients.AddStorage"/> tables), the reconciler and GET /api/incidents/{id}.</summary>
    public static IServiceCollection AddIncidents(this IServiceCollection services)
    {
        services.AddSingleton<TableIncidentStore>();
        services.AddSingleton<IIncidentStore>(sp => sp.GetRequiredService<TableIncidentStore>());
        services.AddSingleton<IncidentReconciler>();
        services.AddSingleton<IncidentsEndpoint>();
        return services;
    }
}
