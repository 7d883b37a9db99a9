using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AutoRemediate.Pages;

/// <summary>Registration of the incident pages.</summary>
internal static class PagesServices
{
    /// <summary>
    /// Registers <see cref="IncidentPages"/> and, unless a host registered its own, the access that refuses everyone
    /// (<see cref="SignedInPageAccess"/>: Entra sign-in, refusing everyone until it is configured): incident data is never shown without a check.
    /// </summary>
    public static IServiceCollection AddPages(this IServiceCollection services)
    {
        services.TryAddSingleton<IPageAccess, SignedInPageAccess>();
        services.AddSingleton<IncidentPages>();
        return services;
    }
}
