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
    private readonly ScopeGuard _scope;

    /// <summary>Creates the activities.</summary>
    public SiteActivities(IAppServiceClient appService, IAutoscaleClient autoscale, ScopeGuard scope)
    {
        _appService = appService;
        _autoscale = autoscale;
        _scope = scope;
    }

    /// <summary><see cref="ActivityNames.CollectSiteSnapshot"/>: the site's name, state, kind, region and plan.</summary>
    public async Task<SiteSnapshot> CollectSiteSnapshotAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var site = await _appService.GetSiteAsync(siteResourceId, cancellationToken).ConfigureAwait(false);
        return new SiteSnapshot(site.Name, site.State, site.Kind, site.Location, site.ServerFarmId, site.IsLinux);
    }

    /// <summary>
    /// <see cref="ActivityNames.CollectPlan"/>: the plan's SKU and scale, any autoscale setting that targets it, and the
    /// other apps on it (with those outside the configured Scope). Only the plan itself is required: when the autoscale
    /// settings or the plan's apps cannot be read (403 for a least-privilege identity, or any other failure), the plan
    /// evidence is kept and what is unknown is said (<see cref="PlanEvidence.AutoscaleUnknown"/>, <see cref="PlanEvidence.AppsUnknown"/>).
    /// </summary>
    public async Task<PlanEvidence> CollectPlanAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = await _appService.GetPlanAsync(planResourceId, cancellationToken).ConfigureAwait(false);
        var evidence = new PlanEvidence(plan.SkuName ?? "unknown", plan.Capacity ?? 1, plan.MaximumNumberOfWorkers ?? plan.Capacity ?? 1);
        try
        {
            var autoscale = (await _autoscale.FindAutoscaleSettingsAsync(planResourceId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(a => a.Enabled);
            evidence = evidence with { AutoscaleMinimum = autoscale?.Minimum, AutoscaleMaximum = autoscale?.Maximum };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            evidence = evidence with { AutoscaleUnknown = $"Autoscale unknown: the plan's autoscale settings could not be read ({Display.Failure(ex)}); a setting may undo a scale step." };
        }

        return await WithAppsAsync(evidence, planResourceId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PlanEvidence> WithAppsAsync(PlanEvidence evidence, string planResourceId, CancellationToken cancellationToken)
    {
        var scoped = !_scope.IsUnrestricted;
        try
        {
            var apps = await _appService.ListPlanSitesAsync(planResourceId, cancellationToken).ConfigureAwait(false);
            // An id that does not parse as an app cannot be shown to be in scope, so it counts as outside.
            var outside = scoped
                ? apps.Where(a => !ResourceIds.TryParse(a.Id, out var id) || _scope.OutOfScopeReason(id!) is not null).Select(a => a.Name).ToList()
                : null;
            return evidence with { Apps = [.. apps.Select(a => a.Name)], AppsOutsideScope = outside };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return evidence with
            {
                AppsOutsideScope = scoped ? [] : null,
                AppsUnknown = $"The apps on the plan could not be listed ({Display.Failure(ex)}); a scale step changes every app on it.",
            };
        }
    }

    /// <summary><see cref="ActivityNames.CollectInstances"/>: the ids of the instances the site runs on.</summary>
    public async Task<IReadOnlyList<string>> CollectInstancesAsync(string siteResourceId, CancellationToken cancellationToken = default) =>
        [.. (await _appService.ListInstancesAsync(siteResourceId, cancellationToken).ConfigureAwait(false)).Select(i => i.InstanceId)];
}
