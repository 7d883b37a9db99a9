using System.Globalization;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
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
    /// incidents for its region, and how many apps alerted within the fleet window. A source that cannot
    /// be read counts as "not at fault" and is noted: the decision then rests on the others.
    /// </summary>
    public async Task<PlatformCheck> CheckPlatformAsync(PlatformCheckRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var notes = new List<string>();
        var resourceHealth = false;
        try
        {
            var availability = await _resourceHealth.GetAvailabilityAsync(request.TargetResourceId, cancellationToken).ConfigureAwait(false);
            resourceHealth = availability.IsPlatformProblem;
            notes.Add(resourceHealth
                ? $"Resource Health: {availability.State}, platform-initiated: {availability.Summary}"
                : $"Resource Health: {availability.State}{(availability.ReasonType is { } reason ? $" ({reason})" : string.Empty)}.");
        }
        catch (RequestFailedException ex)
        {
            notes.Add($"Resource Health could not be read ({ex.Status} {ex.ErrorCode}); it is not counted.");
        }

        var serviceHealth = false;
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

        var window = _policy.Value.FleetWindow;
        var apps = await _incidents.CountAppsAlertingSinceAsync(request.At - window, cancellationToken).ConfigureAwait(false);
        notes.Add($"Fleet: {apps} app(s) alerted in the last {window.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min (breaker at {_policy.Value.FleetBreakerApps}).");
        return new PlatformCheck(new PlatformEvidence(resourceHealth, serviceHealth, Math.Max(1, apps)), notes);
    }
}
