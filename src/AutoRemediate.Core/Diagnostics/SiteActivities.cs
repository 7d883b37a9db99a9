using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;

namespace AutoRemediate.Diagnostics;

/// <summary>
/// Evidence from the app's own resources in Azure Resource Manager: the site, its plan (with any
/// autoscale setting on it) and the instances it runs on. Read-only, so safe to run again.
/// </summary>
public sealed class SiteActivities
{
    private readonly IAppServiceClient _appService;
    private readonly IAutoscaleClient _autoscale;

    /// <summary>Creates the activities.</summary>
    public SiteActivities(IAppServiceClient appService, IAutoscaleClient autoscale)
    {
        _appService = appService;
        _autoscale = autoscale;
    }

    /// <summary><see cref="ActivityNames.CollectSiteSnapshot"/>: the site's name, state, kind, region and plan.</summary>
    public async Task<SiteSnapshot> CollectSiteSnapshotAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var site = await _appService.GetSiteAsync(siteResourceId, cancellationToken).ConfigureAwait(false);
        return new SiteSnapshot(site.Name, site.State, site.Kind, site.Location, site.ServerFarmId, site.IsLinux);
    }

    /// <summary><see cref="ActivityNames.CollectPlan"/>: the plan's SKU and scale, and any autoscale setting that targets it.</summary>
    public async Task<PlanEvidence> CollectPlanAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = await _appService.GetPlanAsync(planResourceId, cancellationToken).ConfigureAwait(false);
        var autoscale = (await _autoscale.FindAutoscaleSettingsAsync(planResourceId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(a => a.Enabled);
        return new PlanEvidence(plan.SkuName ?? "unknown", plan.Capacity ?? 1, plan.MaximumNumberOfWorkers ?? plan.Capacity ?? 1, autoscale?.Minimum, autoscale?.Maximum);
    }

    /// <summary><see cref="ActivityNames.CollectInstances"/>: the ids of the instances the site runs on.</summary>
    public async Task<IReadOnlyList<string>> CollectInstancesAsync(string siteResourceId, CancellationToken cancellationToken = default) =>
        [.. (await _appService.ListInstancesAsync(siteResourceId, cancellationToken).ConfigureAwait(false)).Select(i => i.InstanceId)];
}
