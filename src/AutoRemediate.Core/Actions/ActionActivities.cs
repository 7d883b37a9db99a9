using AutoRemediate.Azure;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Actions;

/// <summary>
/// The activities that change an app. Each writes its journal row before calling Azure and reads the
/// app's state before acting again, so a retried activity (a crash or a storage failure after the
/// call went out) or a duplicate delivery never restarts or scales twice.
/// </summary>
public sealed class ActionActivities
{
    private readonly IAppServiceClient _appService;
    private readonly IActionJournal _journal;
    private readonly IIncidentStore _incidents;
    private readonly ScopeGuard _scope;
    private readonly TimeProvider _time;
    private readonly ILogger<ActionActivities> _logger;

    /// <summary>Creates the activities.</summary>
    public ActionActivities(IAppServiceClient appService, IActionJournal journal, IIncidentStore incidents, ScopeGuard scope, TimeProvider time, ILogger<ActionActivities> logger)
    {
        _appService = appService;
        _journal = journal;
        _incidents = incidents;
        _scope = scope;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// <see cref="ActivityNames.ExecuteAction"/>: ends the approval step when the request carries it, acts (at most once per
    /// action id), records ActionTaken on the timeline and, when asked (<see cref="ActionRequest.ThenVerifying"/>), sets
    /// the Verifying status.
    /// </summary>
    public async Task<ActionOutcome> ExecuteAsync(ActionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Plan is PlanKind.ScaleOut or PlanKind.ScaleUp)
        {
            // Before anything is written: the workflow records the approval step's end itself when the action fails.
            EnsurePlanInScope(request);
        }

        var index = request.IncidentCreatedAt is { } createdAt ? new IncidentIndexKey(request.TargetResourceId, createdAt) : null;
        // The approval step's end, as EndApproval writes it (idempotent: a retry writes the same): the incident stops
        // waiting on a request and becomes Mitigating, the entry goes on the timeline. These writes run beside the
        // journal's row (ActAsync), and the action is sent only once both are done.
        var approvalEnd = request.Approval is { } approval
            ? Task.WhenAll(
                _incidents.AppendTimelineAsync(new TimelineEntry(request.IncidentId, approval.Sequence, approval.At, approval.Kind, approval.Message), cancellationToken),
                _incidents.UpdateStatusAsync(request.IncidentId, IncidentStatus.Mitigating, approval.Message, approval.At, cancellationToken, index: index, clearPendingApproval: true))
            : Task.CompletedTask;
        var outcome = await ActAsync(request, approvalEnd, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        await Task.WhenAll(
            request.Sequence > 0
                ? _incidents.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, now, TimelineKinds.ActionTaken, outcome.Message), cancellationToken)
                : Task.CompletedTask,
            request.ThenVerifying is { } watching
                ? _incidents.UpdateStatusAsync(request.IncidentId, IncidentStatus.Verifying, watching, now, cancellationToken, index: index)
                : Task.CompletedTask).ConfigureAwait(false);
        return outcome with { VerifyingWritten = request.ThenVerifying is not null };
    }

    // before: writes that must be done before the action is sent (they run beside the journal's row).
    private async Task<ActionOutcome> ActAsync(ActionRequest request, Task before, CancellationToken cancellationToken)
    {
        var begin = _journal.BeginAsync(
            new ActionRecord(request.ActionId, request.IncidentId, request.TargetResourceId, request.Plan, ActionState.Started, request.At), cancellationToken);
        await Task.WhenAll(begin, before).ConfigureAwait(false);
        var (record, existed) = await begin.ConfigureAwait(false);
        if (existed && record.State != ActionState.Started)
        {
            // An earlier attempt got Azure's answer: never send it again.
            var message = record.Message ?? $"{request.Plan} was already carried out.";
            await _journal.UpdateAsync(record, ActionState.Completed, message, cancellationToken).ConfigureAwait(false);
            Log.ActionAlreadyDone(_logger, request.ActionId, request.Plan);
            return new ActionOutcome(true, false, message);
        }

        // A fresh row, or one left "started" by an attempt that died around the call: look first.
        var already = existed ? await AlreadyDoneAsync(request, record, cancellationToken).ConfigureAwait(false) : null;
        if (already is not null)
        {
            await _journal.UpdateAsync(record, ActionState.Completed, already, cancellationToken).ConfigureAwait(false);
            Log.ActionAlreadyDone(_logger, request.ActionId, request.Plan);
            return new ActionOutcome(true, false, already);
        }

        var sent = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await _journal.UpdateAsync(record, ActionState.Sent, sent, cancellationToken).ConfigureAwait(false);
        await _journal.UpdateAsync(record, ActionState.Completed, sent, cancellationToken).ConfigureAwait(false);
        Log.ActionSent(_logger, request.ActionId, request.Plan, request.TargetResourceId);
        return new ActionOutcome(true, true, sent);
    }

    /// <summary><see cref="ActivityNames.FinishActions"/>: the incident's actions stop counting toward the fleet-wide cap.</summary>
    public async Task<bool> FinishAsync(FinishActionsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _journal.FinishAsync(request.TargetResourceId, request.IncidentId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<string> SendAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        switch (request.Plan)
        {
            case PlanKind.RestartApp:
                await _appService.RestartAsync(request.TargetResourceId, cancellationToken: cancellationToken).ConfigureAwait(false);
                return "Restarted the app (every instance).";
            case PlanKind.RestartInstance:
                var (instance, pid) = (Require(request.InstanceId, nameof(request.InstanceId)), request.ProcessId ?? throw Missing(nameof(request.ProcessId)));
                var killed = await _appService.KillProcessAsync(request.TargetResourceId, instance, pid, cancellationToken).ConfigureAwait(false);
                return killed
                    ? $"Ended worker process {pid} on instance {Display.ShortId(instance)}; App Service starts a fresh one there. The other instances were not touched."
                    : $"Worker process {pid} on instance {Display.ShortId(instance)} had already exited; App Service starts a fresh one there.";
            case PlanKind.ScaleOut:
                var capacity = request.NewCapacity ?? throw Missing(nameof(request.NewCapacity));
                var scaled = await _appService.UpdatePlanSkuAsync(Require(request.PlanResourceId, nameof(request.PlanResourceId)), new PlanSkuChange(Capacity: capacity), cancellationToken).ConfigureAwait(false);
                return $"Scaled the plan {scaled.Name} out to {scaled.Capacity ?? capacity} instance(s).";
            case PlanKind.ScaleUp:
                var sku = Require(request.NewSku, nameof(request.NewSku));
                var up = await _appService.UpdatePlanSkuAsync(Require(request.PlanResourceId, nameof(request.PlanResourceId)), new PlanSkuChange(SkuName: sku, SkuTier: SkuTiers.TierOf(sku)), cancellationToken).ConfigureAwait(false);
                return $"Scaled the plan {up.Name} up to {up.SkuName ?? sku}.";
            default:
                throw new ArgumentException($"{request.Plan} is not an action.", nameof(request));
        }
    }

    // Returns what was already done, or null when the app is not in the asked-for state yet.
    private async Task<string?> AlreadyDoneAsync(ActionRequest request, ActionRecord record, CancellationToken cancellationToken)
    {
        switch (request.Plan)
        {
            case PlanKind.RestartApp:
                // Restarted if some worker started after this action was first recorded.
                var instances = await _appService.ListInstancesAsync(request.TargetResourceId, cancellationToken).ConfigureAwait(false);
                foreach (var instance in instances)
                {
                    foreach (var process in await _appService.ListProcessesAsync(request.TargetResourceId, instance.InstanceId, cancellationToken).ConfigureAwait(false))
                    {
                        var details = await _appService.GetProcessAsync(request.TargetResourceId, instance.InstanceId, process.Id, cancellationToken).ConfigureAwait(false);
                        if (!details.IsScmSite && details.StartTime > record.StartedAt)
                        {
                            return $"The app had already been restarted by an earlier attempt (worker {details.Id} started {details.StartTime:u}); not restarted again.";
                        }
                    }
                }

                return null;
            case PlanKind.RestartInstance:
                try
                {
                    await _appService.GetProcessAsync(request.TargetResourceId, Require(request.InstanceId, nameof(request.InstanceId)), request.ProcessId ?? 0, cancellationToken).ConfigureAwait(false);
                    return null;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    return $"Worker process {request.ProcessId} on instance {Display.ShortId(request.InstanceId!)} is already gone (an earlier attempt ended it); not repeated.";
                }

            case PlanKind.ScaleOut:
                var plan = await _appService.GetPlanAsync(Require(request.PlanResourceId, nameof(request.PlanResourceId)), cancellationToken).ConfigureAwait(false);
                return plan.Capacity >= request.NewCapacity ? $"The plan {plan.Name} already runs {plan.Capacity} instance(s); not scaled again." : null;
            case PlanKind.ScaleUp:
                var current = await _appService.GetPlanAsync(Require(request.PlanResourceId, nameof(request.PlanResourceId)), cancellationToken).ConfigureAwait(false);
                return string.Equals(current.SkuName, request.NewSku, StringComparison.OrdinalIgnoreCase) ? $"The plan {current.Name} is already {current.SkuName}; not scaled again." : null;
            default:
                return null;
        }
    }

    // The plan id came from ARM's answer about the site, not from the alert: scaling changes every app
    // on the plan, so the plan itself must be in Scope (an app's entry does not cover its plan).
    private void EnsurePlanInScope(ActionRequest request)
    {
        var planId = Require(request.PlanResourceId, nameof(request.PlanResourceId));
        if (!ResourceIds.TryParse(planId, out var plan) || plan!.Kind != TargetKind.Plan)
        {
            throw new InvalidOperationException($"'{planId}' is not an App Service plan id; the plan is not scaled.");
        }

        if (_scope.OutOfScopeReason(plan) is { } reason)
        {
            throw new InvalidOperationException($"The plan {plan.Name} is not scaled: {reason} List the plan's id in {ScopeOptions.SectionName}:{nameof(ScopeOptions.AllowedResourceIds)} to let the pipeline scale it.");
        }
    }

    private static string Require(string? value, string name) => value ?? throw Missing(name);

    private static ArgumentException Missing(string name) => new($"The action request has no {name}.", name);
}
