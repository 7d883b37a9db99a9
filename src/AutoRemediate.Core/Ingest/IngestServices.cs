using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Ingest;

/// <summary>Registration of the alert and event webhooks.</summary>
internal static class IngestServices
{
    /// <summary>Registers the alert and event ingestors and their endpoints.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddSingleton<AlertIngestor>();
        services.AddSingleton<AlertsEndpoint>();
        services.AddSingleton<EventIngestor>();
        services.AddSingleton<EventsEndpoint>();
        return services;
    }
}
