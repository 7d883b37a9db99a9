using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Actions;

/// <summary>Registration of the actions that change an app.</summary>
internal static class ActionServices
{
    /// <summary>Registers the action journal and the action activities.</summary>
    public static IServiceCollection AddActions(this IServiceCollection services)
    {
        services.AddSingleton<IActionJournal, TableActionJournal>();
        services.AddSingleton<ActionActivities>();
        return services;
    }
}
