using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>Microsoft.Web/sites routes, with bodies shaped like the REST spec's GetWebApp example.</summary>
internal static class SiteRoutes
{
    private const string SitePath = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/sites/{site}";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(SitePath, (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            state.FindSite(subscriptionId, resourceGroup, site) is { } app
                ? Results.Json(SiteBody(app))
                : NotFound("Microsoft.Web/sites", site, resourceGroup));
    }

    internal static IResult NotFound(string type, string name, string resourceGroup) =>
        ArmErrors.Create(404, "ResourceNotFound", $"The Resource '{type}/{name}' under resource group '{resourceGroup}' was not found.");

    private static object SiteBody(SimulatedApp app) => new
    {
        id = app.ResourceId,
        name = app.Name,
        type = "Microsoft.Web/sites",
        kind = app.Kind,
        location = app.Location,
        properties = new
        {
            state = app.State,
            enabled = true,
            availabilityState = "Normal",
            usageState = "Normal",
            defaultHostName = $"{app.Name}.azurewebsites.net",
            hostNames = new[] { $"{app.Name}.azurewebsites.net" },
            enabledHostNames = new[] { $"{app.Name}.azurewebsites.net", $"{app.Name}.scm.azurewebsites.net" },
            serverFarmId = app.PlanResourceId,
            resourceGroup = app.ResourceGroup,
            reserved = app.Kind.Contains("linux", StringComparison.OrdinalIgnoreCase),
            clientAffinityEnabled = true,
            httpsOnly = true,
            siteConfig = new { numberOfWorkers = app.InstanceCount, alwaysOn = true },
        },
    };
}
