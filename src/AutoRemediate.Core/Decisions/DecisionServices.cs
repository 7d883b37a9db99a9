using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Decisions;

/// <summary>Registration of the remediation policy.</summary>
internal static class DecisionServices
{
    /// <summary>Registers <see cref="PolicyOptions"/> and the decision activity.</summary>
    public static IServiceCollection AddDecisions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<PolicyOptions>(configuration, PolicyOptions.SectionName);
        services.AddSingleton<DecisionActivities>();
        return services;
    }
}
