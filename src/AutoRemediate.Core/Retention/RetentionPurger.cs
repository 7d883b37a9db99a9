using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Workflow;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Retention;

/// <summary>What one retention pass did.</summary>
/// <param name="Cutoff">Incidents opened before this instant were due.</param>
/// <param name="Examined">Old incidents looked at (at most <see cref="RetentionPurger.LiveScanFactor"/> times <see cref="RetentionOptions.MaxIncidentsPerPass"/>).</param>
/// <param name="Purged">Incidents purged, with everything kept for them.</param>
/// <param name="KeptLive">Old incidents left alone because they are live (not closed, or their workflow still runs).</param>
/// <param name="Rows">Table rows deleted (incident, index, timeline, approvals, links, journal, markers).</param>
/// <param name="Blobs">Evidence and dump blobs deleted.</param>
/// <param name="Instances">Durable instances whose history was purged.</param>
/// <param name="StaleMarkers">Running markers of actions started before the cutoff that were removed.</param>
/// <param name="MoreDue">True when the pass stopped at its bound and more old incidents may be due (the next pass goes on).</param>
public sealed record RetentionPass(DateTimeOffset Cutoff, int Examined, int Purged, int KeptLive, int Rows, int Blobs, int Instances, int StaleMarkers, bool MoreDue);

/// <summary>
/// The retention purge both hosts run on a schedule (the Function App's timer, the DevHost's background service). One
/// pass finds the incidents opened more than <see cref="RetentionOptions.MaxAge"/> ago through the list index (one
/// partition range, never a scan) and, for each that is not live, deletes its workflow histories (the app's remediation
/// instance while it still serves this incident, and its verification instances), evidence and dump blobs, approval
/// requests and links, journal rows, timeline, index rows and finally the incident row. A live incident (not closed at
/// the pass's time, or with a remediation or verification instance still Pending, Running or Suspended) is never
/// touched. Every step is idempotent and the row that finds the incident goes last, so a pass that stops half-way
/// (storage down) is finished by the next.
/// </summary>
public sealed class RetentionPurger
{
    private static readonly OrchestrationRuntimeStatus[] s_finished =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    private readonly TableIncidentStore _incidents;
    private readonly TableApprovalStore _approvals;
    private readonly TableApprovalLinks _links;
    private readonly TableActionJournal _journal;
    private readonly BlobServiceClient _blobs;
    private readonly EvidenceOptions _evidence;
    private readonly IOptions<RetentionOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RetentionPurger> _logger;

    /// <summary>Creates the purger over the stores the pipeline writes.</summary>
    public RetentionPurger(
        TableIncidentStore incidents, TableApprovalStore approvals, TableApprovalLinks links, TableActionJournal journal, BlobServiceClient blobs,
        IOptions<EvidenceOptions> evidence, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionPurger> logger)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        _incidents = incidents;
        _approvals = approvals;
        _links = links;
        _journal = journal;
        _blobs = blobs;
        _evidence = evidence.Value;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>How many old incidents a pass may look at, as a multiple of <see cref="RetentionOptions.MaxIncidentsPerPass"/> (live ones are skipped).</summary>
    public const int LiveScanFactor = 10;

    /// <summary>
    /// Runs one pass: purges at most <see cref="RetentionOptions.MaxIncidentsPerPass"/> incidents. Throws when storage or
    /// the Durable backend fails part-way; what was deleted stays deleted, and the next pass finds the rest.
    /// </summary>
    public async Task<RetentionPass> RunOnceAsync(DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var options = _options.Value;
        var now = _time.GetUtcNow();
        var cutoff = now - options.MaxAge;
        // Old incidents that are still live (an unusual thing: a stuck incident) are skipped without using up the purge
        // budget, so a few of them never stall retention; looking at them is a point read each, and a pass looks at no
        // more than LiveScanFactor times the budget. One more than that, to know whether there is more to do.
        var scanLimit = options.MaxIncidentsPerPass * LiveScanFactor;
        var due = await _incidents.ListOpenedBeforeAsync(cutoff, scanLimit + 1, cancellationToken).ConfigureAwait(false);
        var moreDue = due.Count > scanLimit;
        var examined = 0;
        var purged = 0;
        var live = 0;
        var rows = 0;
        var blobs = 0;
        var instances = 0;
        foreach (var incident in due.Take(scanLimit))
        {
            if (purged == options.MaxIncidentsPerPass)
            {
                moreDue = true;
                break;
            }

            examined++;
            var record = await _incidents.GetAsync(incident.IncidentId, cancellationToken).ConfigureAwait(false);
            // No row: a purge that stopped after deleting it (the row goes last but one). Its workflow is still checked.
            if (record is not null && !record.IsClosedAt(now))
            {
                live++;
                Log.RetentionKeptLive(_logger, incident.IncidentId, $"the incident is {record.Status}, not closed");
                continue;
            }

            var workflow = await FindWorkflowAsync(incident, client, cancellationToken).ConfigureAwait(false);
            if (workflow.RunningDescription is { } running)
            {
                live++;
                Log.RetentionKeptLive(_logger, incident.IncidentId, running);
                continue;
            }

            foreach (var instanceId in workflow.Finished)
            {
                var result = await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken).ConfigureAwait(false);
                instances += result.PurgedInstanceCount;
            }

            blobs += await DeleteBlobsAsync(_evidence.EvidenceContainer, incident.IncidentId, cancellationToken).ConfigureAwait(false);
            blobs += await DeleteBlobsAsync(_evidence.DumpsContainer, incident.IncidentId, cancellationToken).ConfigureAwait(false);
            rows += await _links.PurgeIncidentAsync(incident.IncidentId, cancellationToken).ConfigureAwait(false);
            rows += await _approvals.PurgeIncidentAsync(incident.IncidentId, cancellationToken).ConfigureAwait(false);
            if (incident.TargetResourceId.Length > 0)
            {
                rows += await _journal.PurgeIncidentAsync(incident.TargetResourceId, incident.IncidentId, cancellationToken).ConfigureAwait(false);
            }

            // Last: the timeline, the index rows and the incident row, the row that finds it going after everything.
            rows += await _incidents.PurgeAsync(incident, cancellationToken).ConfigureAwait(false);
            purged++;
            Log.RetentionIncidentPurged(_logger, incident.IncidentId);
        }

        var markers = await _journal.PurgeMarkersBeforeAsync(cutoff, options.MaxIncidentsPerPass, cancellationToken).ConfigureAwait(false);
        var pass = new RetentionPass(cutoff, examined, purged, live, rows + markers, blobs, instances, markers, moreDue);
        Log.RetentionPassDone(_logger, pass.Cutoff, pass.Purged, pass.KeptLive, pass.Rows, pass.Blobs, pass.Instances, pass.StaleMarkers, pass.MoreDue);
        return pass;
    }

    /// <summary>
    /// Runs one pass for a host that keeps going whatever happens (the DevHost's loop): a pass that fails is logged, and
    /// null is returned; the next pass finishes its work. Cancellation still ends it.
    /// </summary>
    public async Task<RetentionPass?> TryRunOnceAsync(DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RunOnceAsync(client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RetentionPassFailed(_logger, ex.GetType().Name, Shared.Display.FirstLine(ex.Message));
            return null;
        }
    }

    // The incident's workflow instances: the app's remediation instance while it still serves this incident (ids are
    // per app and reused: once it serves a newer incident, its history is that incident's), and the verification
    // instances of its rungs. Any of them still Pending, Running or Suspended makes the incident live.
    private static async Task<(string? RunningDescription, IReadOnlyList<string> Finished)> FindWorkflowAsync(IndexedIncident incident, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var finished = new List<string>();
        if (incident.TargetResourceId.Length > 0)
        {
            var remediation = await client.GetInstanceAsync(IncidentIds.InstanceIdFor(incident.TargetResourceId), getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
            if (remediation is not null && string.Equals(IncidentIds.IncidentServedBy(remediation), incident.IncidentId, StringComparison.Ordinal))
            {
                if (!s_finished.Contains(remediation.RuntimeStatus))
                {
                    return ($"its remediation is {remediation.RuntimeStatus}", []);
                }

                finished.Add(remediation.InstanceId);
            }
        }

        foreach (var instanceId in RemediationOrchestration.VerificationInstanceIds(incident.IncidentId))
        {
            var verification = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
            if (verification is null)
            {
                continue;
            }

            if (!s_finished.Contains(verification.RuntimeStatus))
            {
                return ($"its verification is {verification.RuntimeStatus}", []);
            }

            finished.Add(verification.InstanceId);
        }

        return (null, finished);
    }

    // Blobs are named {incident}/…: one prefix listing, never the whole container.
    private async Task<int> DeleteBlobsAsync(string containerName, string incidentId, CancellationToken cancellationToken)
    {
        var container = _blobs.GetBlobContainerClient(containerName);
        var names = new List<string>();
        try
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, incidentId + "/", cancellationToken).ConfigureAwait(false))
            {
                names.Add(blob.Name);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container yet: nothing was ever stored there.
            return 0;
        }

        var deleted = 0;
        foreach (var name in names)
        {
            var response = await container.DeleteBlobIfExistsAsync(name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
            deleted += response.Value ? 1 : 0;
        }

        return deleted;
    }
}
