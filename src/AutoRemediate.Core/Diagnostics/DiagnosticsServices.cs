using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Diagnostics;

/// <summary>Registration of the diagnostics: one activity class per source of evidence.</summary>
internal static class DiagnosticsServices
{
    /// <summary>Registers the Service Health notices and the platform, site, process, metrics and detector activities.</summary>
    public static IServiceCollection AddDiagnostics(this IServiceCollection services)
    {
        services.AddSingleton<IPlatformNotices, TablePlatformNotices>();
        services.AddSingleton<PlatformActivities>();
        services.AddSingleton<SiteActivities>();
        services.AddSingleton<ProcessActivities>();
        services.AddSingleton<MetricsActivities>();
        services.AddSingleton<DetectorActivities>();
        return services;
    }
}
