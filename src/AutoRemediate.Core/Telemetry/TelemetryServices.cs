using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Telemetry;

/// <summary>Registration of what operators and probes read about the pipeline itself.</summary>
internal static class TelemetryServices
{
    /// <summary>Registers <see cref="HealthEndpoint"/> (GET /api/health).</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<HealthEndpoint>();
        return services;
    }
}
