using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;

namespace AutoRemediate.Workflow;

/// <summary>
/// <see cref="ActivityNames.BeginIncident"/>: the workflow's first steps in one activity (open the incident, read
/// the site, check the platform). They run one after the other anyway, and each activity of its own would cost
/// a queue round trip and two history rows. The site read and the platform check keep what the orchestrator
/// gave them: their retries and one shared deadline; a read that failed or did not answer is recorded
/// (DiagnosticsFailed) and the workflow goes on without it. What was read is recorded too (SiteInspected,
/// PlatformChecked), at the positions after the "opened" entry.
/// </summary>
public sealed class OpeningActivities
{
    private readonly IncidentActivities _incidents;
    private readonly SiteActivities _site;
    private readonly PlatformActivities _platform;
    private readonly IIncidentStore _store;

    /// <summary>Creates the activity.</summary>
    public OpeningActivities(IncidentActivities incidents, SiteActivities site, PlatformActivities platform, IIncidentStore store)
    {
        _store = store;
        _incidents = incidents;
        _site = site;
        _platform = platform;
    }

    /// <summary>
    /// Opens the incident (nothing more, and not opened, when it was cancelled before its workflow started);
    /// for an app, then reads the site and checks the platform within <see cref="BeginIncidentRequest.Timeout"/>.
    /// </summary>
    public async Task<BeginIncidentResult> BeginAsync(BeginIncidentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var opened = await _incidents.OpenIncidentAsync(
            new OpenIncidentRequest(request.IncidentId, request.Sequence, request.At, request.Message, request.TargetResourceId), cancellationToken).ConfigureAwait(false);
        if (!opened || ResourceIds.KindOf(request.TargetResourceId) == TargetKind.Plan)
        {
            return new BeginIncidentResult(opened, null, null, request.Sequence + 1);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        var failures = new List<string>();
        var site = await SourceRead.ReadAsync(ct => _site.CollectSiteSnapshotAsync(request.TargetResourceId, ct), "the site (Azure Resource Manager)",
            request.Timeout, failures, deadline.Token, cancellationToken).ConfigureAwait(false);
        var platform = await SourceRead.ReadAsync(ct => _platform.CheckPlatformAsync(new PlatformCheckRequest(request.IncidentId, request.TargetResourceId, site?.Location, request.At), ct),
            "the platform check", request.Timeout, failures, deadline.Token, cancellationToken).ConfigureAwait(false);
        // What the reads found goes on the timeline here, right after the "opened" entry: no timeline call of its own.
        var entries = failures.Select(f => (Kind: TimelineKinds.DiagnosticsFailed, Message: f)).ToList();
        if (site is not null)
        {
            entries.Add((TimelineKinds.SiteInspected, TimelineText.SiteInspected(site)));
        }

        if (platform is not null)
        {
            entries.Add((TimelineKinds.PlatformChecked, TimelineText.PlatformChecked(platform.Notes)));
        }

        var sequence = request.Sequence + 1;
        foreach (var (kind, message) in entries)
        {
            await _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, sequence++, request.At, kind, message), cancellationToken).ConfigureAwait(false);
        }

        return new BeginIncidentResult(true, site, platform, sequence);
    }
}
