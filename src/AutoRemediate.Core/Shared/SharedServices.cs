using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Shared;

/// <summary>Registration of what every area shares: options binding, the clock, the scope.</summary>
internal static class SharedServices
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="sectionName"/>, validates its data
    /// annotations (and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) and does so
    /// at start, so a bad setting stops the host instead of the first incident.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class =>
        services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionName)).ValidateDataAnnotations().ValidateOnStart();

    /// <summary>Registers the system clock and the <see cref="ScopeGuard"/> over validated <see cref="ScopeOptions"/>.</summary>
    public static IServiceCollection AddShared(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddValidatedOptions<ScopeOptions>(configuration, ScopeOptions.SectionName);
        services.AddSingleton<IValidateOptions<ScopeOptions>, ScopeOptionsValidator>();
        services.AddSingleton<ScopeGuard>();
        return services;
    }
}
