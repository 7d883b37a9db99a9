using AutoRemediate.Alerts;
using AutoRemediate.Diagnostics;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using AutoRemediate.Workflow;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Ingest;

/// <summary>What happened to one target of an alert.</summary>
public enum TargetDisposition
{
    /// <summary>A new incident was opened and its remediation started.</summary>
    Started,

    /// <summary>A remediation already runs for this app; the alert was counted on it.</summary>
    Repeated,

    /// <summary>This exact alert was delivered before; nothing new was started.</summary>
    Duplicate,

    /// <summary>The alert resolved and the running remediation was told.</summary>
    ResolvedForwarded,

    /// <summary>Nothing to do for this target (see the reason).</summary>
    Ignored,

    /// <summary>A Service Health notice: kept for the platform check of every incident in its regions.</summary>
    PlatformNoticeRecorded,

    /// <summary>One of the incident's rules resolved; other rules that fired into it still fire, so the remediation goes on.</summary>
    RuleResolved,
}

/// <summary>The outcome for one alert target.</summary>
/// <param name="TargetResourceId">The target: its canonical id, or the text as sent when it is not an App Service id.</param>
/// <param name="Disposition">What was done.</param>
/// <param name="IncidentId">The incident it belongs to, when there is one.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record TargetOutcome(string TargetResourceId, TargetDisposition Disposition, string? IncidentId, string Reason);

/// <summary>
/// The one Core entry point behind alert ingestion (webhook and Event Grid): turns a parsed alert
/// into at most one live remediation per App Service target. Idempotent: the incident id and the
/// orchestration instance id are derived from the alert and the target, so retries and duplicates
/// converge on the same incident.
/// </summary>
public sealed class AlertIngestor
{
    // The Functions host refuses a duplicate id while it runs; the Durable Task SDK test host only
    // when told which statuses count, so both hosts get the same rule from here.
    private static readonly OrchestrationRuntimeStatus[] s_liveStatuses =
    [
        OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
    ];

    // A start that finds the app's previous remediation still finishing waits for it a few times.
    private const int MaxFireAttempts = 5;

    private readonly IIncidentStore _store;
    private readonly IPlatformNotices _notices;
    private readonly ScopeGuard _scope;
    private readonly IOptions<WorkflowOptions> _workflow;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertIngestor> _logger;

    /// <summary>Creates the ingestor.</summary>
    public AlertIngestor(IIncidentStore store, IPlatformNotices notices, ScopeGuard scope, IOptions<WorkflowOptions> workflow, TimeProvider time, ILogger<AlertIngestor> logger)
    {
        _store = store;
        _notices = notices;
        _scope = scope;
        _workflow = workflow;
        _time = time;
        _logger = logger;
    }

    /// <summary>Handles every target of the alert.</summary>
    public async Task<IReadOnlyList<TargetOutcome>> IngestAsync(AlertSignal signal, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(client);
        if (signal.Kind == SignalKind.ServiceHealth)
        {
            // A Service Health alert targets a subscription, not an app: it is kept, and the platform
            // check of every incident in its regions reads it (design: platform first).
            var notice = IPlatformNotices.FromSignal(signal);
            await _notices.RecordAsync(notice, cancellationToken).ConfigureAwait(false);
            var state = notice.IsOpenIncident ? "open" : $"{notice.Stage ?? notice.IncidentType}";
            return [new TargetOutcome(signal.TargetResourceIds.FirstOrDefault() ?? string.Empty, TargetDisposition.PlatformNoticeRecorded, null,
                $"Service Health notice {notice.TrackingId} ({state}, regions: {notice.Regions ?? "none given"}) recorded; incidents in those regions will not act while it is open.")];
        }

        var outcomes = new List<TargetOutcome>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sent in signal.TargetResourceIds)
        {
            // Only the canonical form goes further: two spellings of one app are one target, one
            // incident, one cooldown and one budget, and nothing that fails the grammar is ever fetched.
            if (!ResourceIds.TryParse(sent, out var id, out var refused))
            {
                Log.TargetIgnored(_logger, signal.AlertId, sent, refused!);
                outcomes.Add(new TargetOutcome(sent, TargetDisposition.Ignored, null, refused!));
                continue;
            }

            if (seen.Add(id!.Canonical))
            {
                outcomes.Add(await IngestTargetAsync(signal, id, client, cancellationToken).ConfigureAwait(false));
            }
        }

        return outcomes;
    }

    /// <summary>The live incident for an App Service resource, if a remediation runs for it.</summary>
    public static async Task<string?> GetLiveIncidentAsync(DurableTaskClient client, AppServiceResourceId target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        return await GetLiveIncidentByInstanceAsync(client, IncidentIds.InstanceIdFor(target.Canonical), cancellationToken).ConfigureAwait(false);
    }

    private async Task<TargetOutcome> IngestTargetAsync(AlertSignal signal, AppServiceResourceId id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var target = id.Canonical;
        if (_scope.OutOfScopeReason(id) is { } reason)
        {
            Log.TargetIgnored(_logger, signal.AlertId, target, reason);
            return new TargetOutcome(target, TargetDisposition.Ignored, null, reason);
        }

        // Each remediation carries its own target only: the other targets of a many-target alert are
        // not its business, and they would only make its history larger.
        var own = signal with { TargetResourceIds = [target] };
        var instanceId = IncidentIds.InstanceIdFor(target);
        return signal.MonitorCondition == MonitorCondition.Resolved
            ? await ResolveAsync(own, target, instanceId, client, cancellationToken).ConfigureAwait(false)
            : await FireAsync(own, target, instanceId, client, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TargetOutcome> FireAsync(AlertSignal signal, string target, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        // A start can lose a race to another delivery for the same app, and that remediation can end
        // before we look at it; then the app is free again and the next attempt starts ours.
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await TryFireAsync(signal, target, instanceId, client, cancellationToken).ConfigureAwait(false);
            if (outcome is not null)
            {
                return outcome;
            }

            if (attempt == MaxFireAttempts)
            {
                throw new InvalidOperationException($"Could not start or join a remediation for '{target}' after {attempt} attempts.");
            }

            // The app's previous remediation is finishing (its incident closed, its orchestration not yet completed).
            await Task.Delay(TimeSpan.FromMilliseconds(25 * attempt), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TargetOutcome?> TryFireAsync(AlertSignal signal, string target, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var incidentId = IncidentIds.IncidentIdFor(signal.AlertId, target, signal.FiredAt);
        // Ingestion's log lines carry the incident and app like the workflow's (IncidentLogScope).
        using var logScope = IncidentLogScope.Begin(_logger, incidentId, target);
        // The hot path: one point read of the app's live marker; the Durable backend is not asked (LiveMarker).
        var live = await FindLiveAsync(instanceId, client, cancellationToken).ConfigureAwait(false);
        if (live is not null && live.IncidentId != incidentId)
        {
            return await JoinRunningAsync(signal, target, instanceId, live, client, cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var incident = new IncidentRecord(incidentId, target, signal.AlertId, signal.AlertRule, signal.Severity,
            IncidentStatus.Received, "Alert received; remediation starting.", now, now);
        if (!await _store.TryCreateAsync(incident, cancellationToken).ConfigureAwait(false))
        {
            var existing = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                // Deleted by a delivery that lost a start race in between: go round again.
                return null;
            }

            if (existing.Status != IncidentStatus.Received)
            {
                return new TargetOutcome(target, TargetDisposition.Duplicate, incidentId, live is null
                    ? "This alert was already received; its incident exists."
                    : "This alert was already received; its remediation is running.");
            }

            // Still Received: an earlier delivery stored the incident but could not start the workflow
            // (the backend was down and we answered 503), or started it and the workflow has not opened it yet.
            // Only this rare case (the opening alert redelivered within moments) asks the backend which.
            if (await GetLiveIncidentByInstanceAsync(client, instanceId, cancellationToken).ConfigureAwait(false) == incidentId)
            {
                return new TargetOutcome(target, TargetDisposition.Duplicate, incidentId, "This alert was already received; its remediation is running.");
            }

            // Not started: this retry finishes the job.
        }

        // The marker before the start: an alert that reads it joins this incident, and the conditional insert settles a
        // start race (the loser deletes its unstarted incident and joins the winner's).
        if (live is null && !await _store.TryStartLiveAsync(new LiveMarker(instanceId, incidentId, [signal.AlertRule], [], now), cancellationToken).ConfigureAwait(false))
        {
            var winner = await _store.GetLiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (winner?.IncidentId != incidentId)
            {
                await _store.DeleteUnstartedAsync(incidentId, cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        await _store.AppendTimelineAsync(new TimelineEntry(incidentId, 0, now, TimelineKinds.AlertReceived,
            $"Alert '{signal.AlertRule}' ({signal.Severity}, {signal.SignalType}) fired at {signal.FiredAt:u}."), cancellationToken).ConfigureAwait(false);

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                OrchestrationNames.Remediation,
                new RemediationInput(incidentId, target, signal.ForWorkflow(), _workflow.Value.ToSettings()),
                new StartOrchestrationOptions(instanceId).WithDedupeStatuses(s_liveStatuses),
                cancellationToken).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            var running = await GetLiveIncidentByInstanceAsync(client, instanceId, cancellationToken).ConfigureAwait(false);
            if (running == incidentId)
            {
                // Ours runs already (the delivery before this one started it and the workflow has not opened it yet).
                return new TargetOutcome(target, TargetDisposition.Duplicate, incidentId, "This alert was already received; its remediation is running.");
            }

            // The app had no marker but another orchestration runs: the previous remediation closed its incident and is
            // finishing, or it was started before markers existed. Ours is undone either way.
            await _store.EndLiveAsync(instanceId, incidentId, cancellationToken).ConfigureAwait(false);
            await _store.DeleteUnstartedAsync(incidentId, cancellationToken).ConfigureAwait(false);
            var record = running is null ? null : await _store.GetAsync(running, cancellationToken).ConfigureAwait(false);
            if (record is null || record.IsClosedAt(_time.GetUtcNow()))
            {
                // Finishing: wait for it to complete, then start ours.
                return null;
            }

            // A live remediation without a marker: give it one, and join it.
            var adopted = new LiveMarker(instanceId, record.IncidentId, record.AlertRules ?? [record.AlertRule], [], _time.GetUtcNow());
            if (!await _store.TryStartLiveAsync(adopted, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return await JoinRunningAsync(signal, target, instanceId, adopted, client, cancellationToken).ConfigureAwait(false);
        }

        Log.RemediationStarted(_logger, incidentId, instanceId, target);
        return new TargetOutcome(target, TargetDisposition.Started, incidentId, "Remediation started.");
    }

    private async Task<TargetOutcome> JoinRunningAsync(AlertSignal signal, string target, string instanceId, LiveMarker live, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var ownId = IncidentIds.IncidentIdFor(signal.AlertId, target, signal.FiredAt);
        var now = _time.GetUtcNow();
        if (!live.IsOnlyCounted(signal.AlertRule))
        {
            // The slow path, once per rule: the workflow hears about each rule once (a new rule is new evidence, the
            // same rule firing again is only counted), and a rule that had resolved fires again. This keeps an alert
            // storm out of the orchestration history. The rule is recorded before the count, so a delivery retried
            // after a failure in between still tells the workflow.
            var repeat = await _store.RecordRepeatAsync(live.IncidentId, signal.AlertRule, now, cancellationToken).ConfigureAwait(false);
            if (repeat.IsNewRule)
            {
                await client.RaiseEventAsync(instanceId, EventNames.AlertRepeated,
                    new AlertRepeatedEvent(signal.AlertId, signal.AlertRule, signal.Severity, signal.FiredAt), cancellationToken).ConfigureAwait(false);
            }
        }

        // The hot path's one write: an insert of the delivery's own repeat row, so writers never contend on a row and a
        // duplicate delivery (409) is counted once.
        var counted = await _store.TryAddRepeatAsync(live.IncidentId, ownId, signal.AlertRule, now, cancellationToken).ConfigureAwait(false);
        var outcome = counted
            ? new TargetOutcome(target, TargetDisposition.Repeated, live.IncidentId, "A remediation for this app is already running; the alert was counted on it.")
            : new TargetOutcome(target, TargetDisposition.Duplicate, live.IncidentId, "This alert was already received; its remediation is running.");
        Log.AlertJoinedRunning(_logger, signal.AlertId, live.IncidentId, outcome.Disposition);
        return outcome;
    }

    /// <summary>
    /// The app's live remediation as its marker says: one point read. A marker older than <see cref="LiveMarker.ConfirmAfter"/>
    /// is confirmed with the Durable backend by the one ingestor that claims it (the others trust it meanwhile), and
    /// deleted when no remediation runs for it any more: so a remediation that died without closing its incident holds the
    /// app for at most that long, and the backend is asked at most once per app per bound.
    /// </summary>
    private async Task<LiveMarker?> FindLiveAsync(string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var live = await _store.GetLiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (live is null || !live.IsStaleAt(now) || !await _store.TryConfirmLiveAsync(live, now, cancellationToken).ConfigureAwait(false))
        {
            return live;
        }

        var running = await GetLiveIncidentByInstanceAsync(client, instanceId, cancellationToken).ConfigureAwait(false);
        if (running == live.IncidentId)
        {
            return live with { ConfirmedAt = now };
        }

        Log.StaleLiveMarker(_logger, instanceId, live.IncidentId);
        await _store.EndLiveAsync(instanceId, live.IncidentId, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<TargetOutcome> ResolveAsync(AlertSignal signal, string target, string instanceId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var running = (await FindLiveAsync(instanceId, client, cancellationToken).ConfigureAwait(false))?.IncidentId;
        if (running is null)
        {
            return new TargetOutcome(target, TargetDisposition.Ignored, null, "The alert resolved and no remediation is running for this app.");
        }

        // The incident's alerts resolve it only when every rule that fired into it has resolved: one rule
        // recovering while another still fires is not the app recovering.
        var resolution = await _store.RecordResolvedAsync(running, signal.AlertRule, cancellationToken).ConfigureAwait(false);
        var resolvedAt = signal.ResolvedAt ?? _time.GetUtcNow();
        if (!resolution.AllResolved)
        {
            var still = string.Join(", ", resolution.StillFiring.Select(r => $"'{r}'"));
            await _store.AppendExternalAsync(running, $"{signal.AlertId}:resolved", resolvedAt, TimelineKinds.RuleResolved,
                $"Alert '{signal.AlertRule}' resolved at {resolvedAt:u}; {still} still firing, so the remediation goes on.", cancellationToken).ConfigureAwait(false);
            return new TargetOutcome(target, TargetDisposition.RuleResolved, running, $"The alert resolved, but {still} still firing for this app; the remediation goes on.");
        }

        await client.RaiseEventAsync(instanceId, EventNames.AlertResolved,
            new AlertResolvedEvent(signal.AlertId, signal.AlertRule, resolvedAt), cancellationToken).ConfigureAwait(false);
        return new TargetOutcome(target, TargetDisposition.ResolvedForwarded, running, "The alert resolved; the running remediation was told.");
    }

    private static async Task<string?> GetLiveIncidentByInstanceAsync(DurableTaskClient client, string instanceId, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (instance is null || !s_liveStatuses.Contains(instance.RuntimeStatus))
        {
            return null;
        }

        return IncidentIds.IncidentServedBy(instance);
    }
}
