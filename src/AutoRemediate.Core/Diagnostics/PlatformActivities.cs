using System.Globalization;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Diagnostics;

/// <summary>
/// Evidence that Azure itself is at fault: Resource Health of the app, Service Health notices for its
/// region, and the fleet (how many apps alerted lately). Read-only, so safe to run again.
/// </summary>
public sealed class PlatformActivities
{
    private readonly IResourceHealthClient _resourceHealth;
    private readonly IPlatformNotices _notices;
    private readonly IIncidentStore _incidents;
    private readonly IOptions<PolicyOptions> _policy;

    /// <summary>Creates the activities.</summary>
    public PlatformActivities(IResourceHealthClient resourceHealth, IPlatformNotices notices, IIncidentStore incidents, IOptions<PolicyOptions> policy)
    {
        _resourceHealth = resourceHealth;
        _notices = notices;
        _incidents = incidents;
        _policy = policy;
    }

    /// <summary>
    /// <see cref="ActivityNames.CheckPlatform"/>: Resource Health of the app, open Service Health
    /// incidents for its region, and how many apps alerted within the fleet window. Fail safe: a source
    /// that cannot be read, for whatever reason, does not fail the check; it is noted, counts as "not at
    /// fault", and makes the verdict incomplete, so the plan then goes to a person.
    /// </summary>
    public async Task<PlatformCheck> CheckPlatformAsync(PlatformCheckRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var notes = new List<string>();
        var unread = new List<string>();
        var resourceHealth = false;
        try
        {
            var availability = await _resourceHealth.GetAvailabilityAsync(request.TargetResourceId, cancellationToken).ConfigureAwait(false);
            resourceHealth = availability.IsPlatformProblem;
            notes.Add(resourceHealth
                ? $"Resource Health: {availability.State}, platform-initiated: {availability.Summary}"
                : $"Resource Health: {availability.State}{(availability.ReasonType is { } reason ? $" ({reason})" : string.Empty)}.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            notes.Add($"Resource Health could not be read ({Display.Failure(ex)}); it is not counted.");
            unread.Add("Resource Health could not be read");
        }

        var serviceHealth = false;
        try
        {
            var open = (await _notices.ListAsync(cancellationToken).ConfigureAwait(false)).Where(n => n.CountsAgainst(request.Region, request.At, _policy.Value.ServiceHealthNoticeMaxAge)).ToList();
            if (open.Count > 0)
            {
                serviceHealth = true;
                var first = open[0];
                notes.Add($"Service Health: incident {first.TrackingId} '{first.Title}' ({first.Service}) is open for {first.Regions}.");
            }
            else
            {
                notes.Add(request.Region is null
                    ? "Service Health: the app's region is unknown; only global incidents were checked, none is open."
                    : $"Service Health: no open incident for {request.Region}.");
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            notes.Add($"Service Health notices could not be read ({Display.Failure(ex)}); they are not counted.");
            unread.Add("the Service Health notices could not be read");
        }

        var policy = _policy.Value;
        var window = policy.FleetWindow;
        var apps = 1;
        var tripped = false;
        try
        {
            apps = Math.Max(1, await _incidents.CountAppsAlertingSinceAsync(request.At - window, cancellationToken).ConfigureAwait(false));
            tripped = apps >= policy.FleetBreakerApps;
            notes.Add($"Fleet: {apps} app(s) alerted in the last {window.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min (breaker at {policy.FleetBreakerApps})"
                + (tripped ? ": the breaker is tripped, diagnostics are skipped." : "."));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            notes.Add($"Fleet: the apps alerting lately could not be counted ({Display.Failure(ex)}); the breaker is not counted.");
            unread.Add("the apps alerting lately could not be counted");
        }

        var incomplete = unread.Count > 0 ? string.Join("; ", unread) : null;
        return new PlatformCheck(new PlatformEvidence(resourceHealth, serviceHealth, apps, tripped, incomplete), notes);
    }
}
