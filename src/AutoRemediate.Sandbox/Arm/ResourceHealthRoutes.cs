using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.Scenarios;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// <c>{resourceId}/providers/Microsoft.ResourceHealth/availabilityStatuses/current</c> for sites and
/// plans, shaped like the spec example AvailabilityStatus_GetByResource. Only a platform outage makes
/// a resource Unavailable; app-level trouble (leaks, crashes) leaves Resource Health Available, which
/// is how a client tells "our app" from "the platform".
/// </summary>
internal static class ResourceHealthRoutes
{
    private const string Current = "/providers/Microsoft.ResourceHealth/availabilityStatuses/current";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(SiteRoutes.SitePath + Current, (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            SiteRoutes.WithSite(state, subscriptionId, resourceGroup, site, app =>
                ArmJson.Ok(Body(app.ResourceId, app.Location, ScenarioModel.Availability(app, state.Now), state.Now))));

        routes.MapGet(PlanRoutes.PlanPath + Current, (string subscriptionId, string resourceGroup, string plan, SandboxState state) =>
            PlanRoutes.WithPlan(state, subscriptionId, resourceGroup, plan, p =>
            {
                var views = p.Apps.Select(a => ScenarioModel.Availability(a, state.Now)).ToList();
                var view = views.FirstOrDefault(v => v.State != "Available") ?? views.FirstOrDefault() ?? new AvailabilityView(
                    "Available", "Available", "There aren't any known Azure platform problems affecting this resource.", null, null, null, null, null, state.Now.AddDays(-1));
                return ArmJson.Ok(Body(p.ResourceId, p.Location, view, state.Now));
            }));
    }

    private static object Body(string resourceId, string location, AvailabilityView view, DateTimeOffset now) => new
    {
        id = resourceId + Current,
        name = "current",
        type = "Microsoft.ResourceHealth/AvailabilityStatuses",
        location = location.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant(),
        properties = new
        {
            availabilityState = view.State,
            title = view.Title,
            summary = view.Summary,
            reasonType = view.ReasonType,
            context = view.Context,
            category = view.Category,
            reasonChronicity = view.ReasonChronicity,
            detailedStatus = view.DetailedStatus,
            occuredTime = ProcessView.Iso(view.OccurredAt),
            reportedTime = ProcessView.Iso(now),
        },
    };
}
