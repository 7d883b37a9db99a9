using System.Globalization;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// Microsoft.Insights/autoscalesettings (list by subscription, list by resource group, get), shaped
/// like the spec example listAutoscaleSetting: one profile per setting, capacity values as strings.
/// </summary>
internal static class AutoscaleRoutes
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/subscriptions/{subscriptionId}/providers/Microsoft.Insights/autoscalesettings", (string subscriptionId, SandboxState state) =>
            ArmJson.List(Settings(state, p => string.Equals(p.SubscriptionId, subscriptionId, StringComparison.OrdinalIgnoreCase))));

        routes.MapGet("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Insights/autoscalesettings", (string subscriptionId, string resourceGroup, SandboxState state) =>
            ArmJson.List(Settings(state, p => string.Equals(p.SubscriptionId, subscriptionId, StringComparison.OrdinalIgnoreCase) && string.Equals(p.ResourceGroup, resourceGroup, StringComparison.OrdinalIgnoreCase))));

        routes.MapGet("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Insights/autoscalesettings/{name}", (string subscriptionId, string resourceGroup, string name, SandboxState state) =>
            Settings(state, p => string.Equals(p.SubscriptionId, subscriptionId, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(p.ResourceGroup, resourceGroup, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(p.Autoscale!.Name, name, StringComparison.OrdinalIgnoreCase))
                .FirstOrDefault() is { } setting
                ? ArmJson.Ok(setting)
                : ArmErrors.NotFound("Microsoft.Insights/autoscalesettings", name, resourceGroup));
    }

    private static List<object> Settings(SandboxState state, Func<SimulatedPlan, bool> filter) =>
        [.. state.Plans.Where(p => p.Autoscale is not null && filter(p)).Select(Body)];

    private static object Body(SimulatedPlan plan)
    {
        var autoscale = plan.Autoscale!;
        return new
        {
            id = plan.AutoscaleResourceId,
            name = autoscale.Name,
            type = "Microsoft.Insights/autoscaleSettings",
            location = plan.Location,
            tags = new Dictionary<string, string>(),
            properties = new
            {
                profiles = new[]
                {
                    new
                    {
                        name = "Auto created default scale condition",
                        capacity = new
                        {
                            minimum = autoscale.Minimum.ToString(CultureInfo.InvariantCulture),
                            maximum = autoscale.Maximum.ToString(CultureInfo.InvariantCulture),
                            @default = autoscale.Default.ToString(CultureInfo.InvariantCulture),
                        },
                        rules = Array.Empty<object>(),
                    },
                },
                enabled = autoscale.Enabled,
                name = autoscale.Name,
                targetResourceUri = plan.ResourceId,
                notifications = Array.Empty<object>(),
            },
        };
    }
}
