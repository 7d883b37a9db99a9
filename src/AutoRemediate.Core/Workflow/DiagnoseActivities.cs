using AutoRemediate.Decisions;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;

namespace AutoRemediate.Workflow;

/// <summary>
/// <see cref="ActivityNames.Diagnose"/>: the whole diagnostics fan-out of an incident in one activity. Each
/// queued activity costs the workflow a storage round trip and two history rows, so the plan, the instances
/// and their processes, the metrics and the detectors are read here, in parallel, instead of one activity
/// each. What the orchestrator did per source is done here per source: a few quick retries, one shared
/// deadline, and a source that failed or did not answer in time is recorded (DiagnosticsFailed) while the
/// others go on. Read-only apart from the timeline, whose entries go at fixed positions: running it again
/// leaves the same timeline.
/// </summary>
public sealed class DiagnoseActivities
{
    /// <summary>Timeline positions one diagnosis may use at most (its entries, DiagnosticsCollected and PlanChosen): more failures than that are folded into one entry.</summary>
    public const int ReservedPositions = 100;

    private readonly SiteActivities _site;
    private readonly ProcessActivities _processes;
    private readonly MetricsActivities _metrics;
    private readonly DetectorActivities _detectors;
    private readonly IIncidentStore _store;
    private readonly DecisionActivities _decisions;

    /// <summary>Creates the activity.</summary>
    public DiagnoseActivities(SiteActivities site, ProcessActivities processes, MetricsActivities metrics, DetectorActivities detectors, IIncidentStore store, DecisionActivities decisions)
    {
        _decisions = decisions;
        _site = site;
        _processes = processes;
        _metrics = metrics;
        _detectors = detectors;
        _store = store;
    }

    /// <summary>
    /// Reads every source within <see cref="DiagnoseRequest.Timeout"/>, writes the entries the request carries,
    /// then the failures and DiagnosticsCollected, and returns what was found.
    /// </summary>
    public async Task<DiagnoseResult> DiagnoseAsync(DiagnoseRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        var failures = new List<string>();
        var metricsRequest = new MetricsRequest(request.IncidentId, request.TargetResourceId, request.PlanResourceId, request.Start, request.At, request.Criteria);
        var planTask = request.PlanResourceId is { } planId
            ? ReadAsync(ct => _site.CollectPlanAsync(planId, ct), TimelineText.ThePlan, request.Timeout, failures, deadline.Token, cancellationToken)
            : Task.FromResult<PlanEvidence?>(null);
        var instancesTask = ReadAsync(ct => _site.CollectInstancesAsync(request.TargetResourceId, ct), "the instance list", request.Timeout, failures, deadline.Token, cancellationToken);
        var metricsTask = ReadAsync(ct => _metrics.CollectMetricsAsync(metricsRequest, ct), "the metrics", request.Timeout, failures, deadline.Token, cancellationToken);
        var detectorsTask = ReadAsync(ct => _detectors.CollectDetectorsAsync(new DetectorsRequest(request.IncidentId, request.TargetResourceId, request.Start, request.At), ct),
            "the App Service detectors", request.Timeout, failures, deadline.Token, cancellationToken);

        var instances = await instancesTask.ConfigureAwait(false) ?? [];
        var processTasks = instances.Select(i => ReadAsync(ct => _processes.CollectProcessesAsync(new ProcessesRequest(request.TargetResourceId, i), ct),
            TimelineText.ProcessesOf(i), request.Timeout, failures, deadline.Token, cancellationToken)).ToList();
        await Task.WhenAll(planTask, metricsTask, detectorsTask, Task.WhenAll(processTasks)).ConfigureAwait(false);

        var plan = await planTask.ConfigureAwait(false);
        var metrics = await metricsTask.ConfigureAwait(false);
        var lists = processTasks.Select(t => t.Result).ToList();
        var processes = lists.Where(l => l is not null).SelectMany(l => l!).ToList();
        // All lists read: the processes, even none. Some: the ones read. None read: unknown (null).
        var listed = lists.All(l => l is not null) || processes.Count > 0 ? processes : null;
        var findings = new IncidentFindings([.. instances], listed, metrics, await detectorsTask.ConfigureAwait(false), plan, request.IsLinux);

        // Failures in a fixed order (the order of the sources, not of their answers), so a rerun writes the same rows.
        var messages = Order(failures, instances)
            .Concat(plan?.Notes() ?? []).Concat(metrics?.Notes ?? [])
            .Select(m => (Kind: TimelineKinds.DiagnosticsFailed, Message: m))
            .ToList();
        // DiagnosticsCollected, and PlanChosen when this activity decides, take the last positions.
        var room = ReservedPositions - (request.Decide is null ? 1 : 2);
        if (messages.Count > room)
        {
            // More failures than positions (an app on very many instances): the rest in one entry.
            var rest = string.Join(" ", messages.Skip(room - 1).Select(m => m.Message));
            messages = [.. messages.Take(room - 1), (TimelineKinds.DiagnosticsFailed, rest)];
        }

        messages.Add((TimelineKinds.DiagnosticsCollected, TimelineText.Diagnosed(findings)));
        var sequence = request.Sequence;
        var entries = new List<TimelineEntry>(request.Before ?? []);
        entries.AddRange(messages.Select(m => new TimelineEntry(request.IncidentId, sequence++, request.At, m.Kind, m.Message)));
        Decision? decision = null;
        if (request.Decide is { } decide)
        {
            // The first rung, decided here as DecidePlan would (the journal's facts, the policy, PlanChosen), on the
            // findings just read: the workflow does not send them back in another activity's input.
            var input = DecisionInputs.FromFindings(request.IncidentId, request.TargetResourceId, request.At, decide.AlertMetrics, decide.Platform, findings, []);
            (decision, var planChosen) = await _decisions.DecideUnrecordedAsync(new DecideRequest(input, sequence++), cancellationToken).ConfigureAwait(false);
            entries.Add(planChosen);
        }

        // The entries before the diagnosis's own, its own, and the plan chosen: one request (one transaction an incident).
        await _store.AppendTimelineAsync(entries, cancellationToken).ConfigureAwait(false);

        return new DiagnoseResult(findings.Instances, findings.Processes, findings.Metrics, findings.Detectors, findings.Plan, sequence, decision);
    }

    private static IEnumerable<string> Order(List<string> failures, IReadOnlyList<string> instances)
    {
        string[] sources = [TimelineText.ThePlan, "the instance list", "the metrics", "the App Service detectors", .. instances.Select(TimelineText.ProcessesOf)];
        lock (failures)
        {
            return [.. failures.OrderBy(f => Array.FindIndex(sources, s => f.StartsWith("Could not read " + s + ":", StringComparison.Ordinal)))];
        }
    }

    private static Task<T?> ReadAsync<T>(Func<CancellationToken, Task<T>> read, string what, TimeSpan timeout, List<string> failures, CancellationToken deadline, CancellationToken stopping)
        where T : class => SourceRead.ReadAsync(read, what, timeout, failures, deadline, stopping);
}
