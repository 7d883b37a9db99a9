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
    private readonly DiagnoseActivities _diagnose;

    /// <summary>Creates the activity.</summary>
    public OpeningActivities(IncidentActivities incidents, SiteActivities site, PlatformActivities platform, IIncidentStore store, DiagnoseActivities diagnose)
    {
        _diagnose = diagnose;
        _store = store;
        _incidents = incidents;
        _site = site;
        _platform = platform;
    }

    /// <summary>
    /// <see cref="ActivityNames.Assess"/>: <see cref="BeginAsync"/>, then, for an app whose site was read and whose
    /// platform is not at fault, the diagnosis and the first rung's decision (<see cref="DiagnoseActivities.DiagnoseAsync"/>),
    /// each within its own deadline. One activity from alert to plan: the steps run one after the other anyway, and
    /// each activity of its own costs the workflow a queue round trip, an orchestrator episode and history rows.
    /// Idempotent as its parts are: the timeline entries go at fixed positions.
    /// </summary>
    public async Task<AssessResult> AssessAsync(AssessRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var begin = request.Begin;
        var (begun, read) = await BeginUnrecordedAsync(begin, cancellationToken).ConfigureAwait(false);
        var verdict = begun.Platform?.Evidence;
        if (!begun.Opened || begun.Site is not { } site || PlatformVerdict.AtFault(PlatformVerdict.Of(verdict)))
        {
            // Not opened, a plan alert, no site (escalated), or the platform at fault (the policy escalates on it alone,
            // and a storm of many apps must not fan out a set of reads for each).
            await _store.AppendTimelineAsync(read, cancellationToken).ConfigureAwait(false);
            return new AssessResult(begun.Opened, begun.Site, verdict, null, begun.NextSequence, begun.CreatedAt);
        }

        // What the site read and the platform check found goes on the timeline with the diagnosis's entries, in one request.
        var diagnosis = await _diagnose.DiagnoseAsync(new DiagnoseRequest(begin.IncidentId, begin.TargetResourceId, site.ServerFarmId, site.IsLinux, request.MetricsStart, begin.At,
            request.Criteria, begin.Timeout, begun.NextSequence, read, new DecideAfterDiagnosis(request.AlertMetrics, PlatformVerdict.Of(verdict))), cancellationToken).ConfigureAwait(false);
        // The detectors' messages and the evidence blobs' names are on the timeline (DiagnosticsCollected), where the
        // approval mail reads them; the workflow decides on the numbers, so only those go back into its history.
        var compact = diagnosis with
        {
            Detectors = diagnosis.Detectors is { } d ? d with { Findings = [], EvidenceBlob = null } : null,
            Metrics = diagnosis.Metrics is { } m ? m with { EvidenceBlob = null } : null,
        };
        return new AssessResult(true, site, verdict, compact, diagnosis.NextSequence, begun.CreatedAt);
    }

    /// <summary>
    /// Opens the incident (nothing more, and not opened, when it was cancelled before its workflow started);
    /// for an app, then reads the site and checks the platform within <see cref="BeginIncidentRequest.Timeout"/>.
    /// </summary>
    public async Task<BeginIncidentResult> BeginAsync(BeginIncidentRequest request, CancellationToken cancellationToken = default)
    {
        var (begun, read) = await BeginUnrecordedAsync(request, cancellationToken).ConfigureAwait(false);
        await _store.AppendTimelineAsync(read, cancellationToken).ConfigureAwait(false);
        return begun;
    }

    // BeginAsync, with what the reads found (SiteInspected, PlatformChecked, DiagnosticsFailed) left for the caller to write.
    private async Task<(BeginIncidentResult Begun, IReadOnlyList<TimelineEntry> Read)> BeginUnrecordedAsync(BeginIncidentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (opened, createdAt) = await _incidents.OpenAsync(
            new OpenIncidentRequest(request.IncidentId, request.Sequence, request.At, request.Message, request.TargetResourceId), cancellationToken).ConfigureAwait(false);
        if (!opened || ResourceIds.KindOf(request.TargetResourceId) == TargetKind.Plan)
        {
            return (new BeginIncidentResult(opened, null, null, request.Sequence + 1, createdAt), []);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        var failures = new List<string>();
        var site = await SourceRead.ReadAsync(ct => _site.CollectSiteSnapshotAsync(request.TargetResourceId, ct), "the site (Azure Resource Manager)",
            request.Timeout, failures, deadline.Token, cancellationToken).ConfigureAwait(false);
        var platform = await SourceRead.ReadAsync(ct => _platform.CheckPlatformAsync(new PlatformCheckRequest(request.IncidentId, request.TargetResourceId, site?.Location, request.At), ct),
            "the platform check", request.Timeout, failures, deadline.Token, cancellationToken).ConfigureAwait(false);
        // What the reads found goes on the timeline right after the "opened" entry, at fixed positions.
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
        var rows = entries.Select(e => new TimelineEntry(request.IncidentId, sequence++, request.At, e.Kind, e.Message)).ToList();
        return (new BeginIncidentResult(true, site, platform, sequence, createdAt), rows);
    }
}

/// <summary>The platform check's verdict as the workflow acts on it.</summary>
internal static class PlatformVerdict
{
    /// <summary>The check's evidence; fail safe without it: nothing says Azure is fine, so any plan goes to a person.</summary>
    public static PlatformEvidence Of(PlatformEvidence? evidence) =>
        evidence ?? new PlatformEvidence(false, false, 1, Incomplete: TimelineText.PlatformCheckDidNotComplete);

    /// <summary>Azure is at fault (or the fleet breaker tripped): acting on the app cannot help.</summary>
    public static bool AtFault(PlatformEvidence evidence) =>
        evidence.ResourceHealthPlatformIssue || evidence.ServiceHealthIncidentOpen || evidence.FleetBreakerTripped;
}
