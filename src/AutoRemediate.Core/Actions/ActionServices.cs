using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Actions;

/// <summary>Registration of the actions that change an app.</summary>
internal static class ActionServices
{
    /// <summary>Registers the action journal and the action activities.</summary>
    public static IServiceCollection AddActions(this IServiceCollection services)
    {
        services.AddSingleton<TableActionJournal>();
        services.AddSingleton<IActionJournal>(sp => sp.GetRequiredService<TableActionJournal>());
        services.AddSingleton<ActionActivities>();
        return services;
    }
}
