using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Retention;

/// <summary>Registration of retention.</summary>
internal static class RetentionServices
{
    /// <summary>Registers <see cref="RetentionOptions"/> (validated at start) and the <see cref="RetentionPurger"/> both hosts run.</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RetentionOptions>(configuration, RetentionOptions.SectionName);
        services.AddSingleton<RetentionPurger>();
        return services;
    }
}
