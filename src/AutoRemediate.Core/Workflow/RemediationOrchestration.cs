using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// The remediation workflow, written once and registered by both hosts under
/// <see cref="OrchestrationNames.Remediation"/>. It only sequences: no I/O, no clock but
/// <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>, every side effect in an activity.
/// </summary>
public static class RemediationOrchestration
{
    // Transient failures (throttling, a storage blip) are retried by the framework, durably.
    private static readonly TaskOptions s_storageRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromSeconds(30)));

    private static readonly TaskOptions s_diagnosticsRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2.0));

    /// <summary>The most alert rules recorded on one incident (and so the most AlertRepeated events it takes).</summary>
    public const int MaxRulesPerIncident = 50;

    /// <summary>Registers the orchestration on a Durable Task SDK worker.</summary>
    // Kept beside RunAsync: the Durable analyzers follow the registration to the orchestrator body
    // and fail (AD0001) when the two sit in different files.
    public static void Register(DurableTaskRegistry registry) =>
        registry.AddOrchestratorFunc<RemediationInput, RemediationResult>(OrchestrationNames.Remediation, RunAsync);

    /// <summary>Runs one remediation.</summary>
    public static async Task<RemediationResult> RunAsync(TaskOrchestrationContext context, RemediationInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var sequence = 0;
        var incidentId = input.IncidentId;
        var signal = input.Signal;

        await context.CallActivityAsync<bool>(
            ActivityNames.OpenIncident,
            new OpenIncidentRequest(incidentId, ++sequence, context.CurrentUtcDateTime,
                $"Alert '{signal.AlertRule}' ({signal.Severity}) fired for {AppName(input.TargetResourceId)}; gathering evidence before touching anything."),
            s_storageRetry);

        if (ResourceIds.TryParse(input.TargetResourceId, out var target) && ResourceIds.KindOf(target!) == TargetKind.Plan)
        {
            await RecordAsync(context, incidentId, ++sequence, "PlanAlert",
                $"The alert is about the App Service plan {AppName(input.TargetResourceId)}, not one app; site diagnostics do not apply.");
        }
        else
        {
            try
            {
                var site = await context.CallActivityAsync<SiteSnapshot>(ActivityNames.CollectSiteSnapshot, input.TargetResourceId, s_diagnosticsRetry);
                await RecordAsync(context, incidentId, ++sequence, "SiteInspected",
                    $"Site {site.Name} is {site.State ?? "in an unknown state"} ({site.Kind ?? "kind unknown"}, {site.Location ?? "region unknown"}) on plan {AppName(site.ServerFarmId)}.");
            }
            catch (TaskFailedException ex)
            {
                // A failing diagnostics source is recorded and the workflow goes on with what it has.
                await RecordAsync(context, incidentId, ++sequence, "DiagnosticsFailed",
                    $"Could not read the site from Azure Resource Manager: {ex.FailureDetails.ErrorMessage}");
            }
        }

        // No mitigation policy is wired in yet, so this is the design's "nothing explains it" rung:
        // diagnostics only, and people take over.
        var summary = "No automatic mitigation applies; diagnostics are on the timeline and the incident is handed to on-call.";
        await context.CallActivityAsync<bool>(
            ActivityNames.CloseIncident,
            new CloseIncidentRequest(incidentId, ++sequence, context.CurrentUtcDateTime, IncidentStatus.Escalated, summary),
            s_storageRetry);

        return await HoldAsync(context, input, sequence, new RemediationResult(incidentId, IncidentStatus.Escalated, summary));
    }

    // After escalation the incident stays live for a while: further rules firing for the app join
    // it (recorded here) instead of opening new incidents, and a Resolved notification closes it.
    private static async Task<RemediationResult> HoldAsync(TaskOrchestrationContext context, RemediationInput input, int sequence, RemediationResult escalated)
    {
        var hold = input.Settings.EscalationHold;
        if (hold <= TimeSpan.Zero)
        {
            return escalated;
        }

        using var timerCancellation = new CancellationTokenSource();
        var holdEnds = context.CreateTimer(context.CurrentUtcDateTime.Add(hold), timerCancellation.Token);
        var resolved = context.WaitForExternalEvent<AlertResolvedEvent>(EventNames.AlertResolved);
        // Bounded: the ingest path raises AlertRepeated once per distinct rule and keeps at most
        // MaxRulesPerIncident rules, so the history of a held incident cannot grow without limit.
        for (var repeats = 0; ; repeats++)
        {
            // A new wait for AlertRepeated only once the previous one completed: an abandoned wait
            // would swallow the next event.
            var repeated = repeats < MaxRulesPerIncident
                ? context.WaitForExternalEvent<AlertRepeatedEvent>(EventNames.AlertRepeated)
                : new TaskCompletionSource<AlertRepeatedEvent>().Task;
            var first = await Task.WhenAny(resolved, repeated, holdEnds);
            if (first == repeated)
            {
                var r = repeated.Result;
                await RecordAsync(context, input.IncidentId, ++sequence, "AlertRepeated",
                    $"Alert '{r.AlertRule}' ({r.Severity}) also fired for this app at {r.FiredAt:u}.");
                continue;
            }

            if (first == resolved)
            {
                timerCancellation.Cancel();
                var summary = $"Alert '{resolved.Result.AlertRule}' resolved at {resolved.Result.ResolvedAt:u} after escalation.";
                await context.CallActivityAsync<bool>(
                    ActivityNames.CloseIncident,
                    new CloseIncidentRequest(input.IncidentId, ++sequence, context.CurrentUtcDateTime, IncidentStatus.Resolved, summary),
                    s_storageRetry);
                return new RemediationResult(input.IncidentId, IncidentStatus.Resolved, summary);
            }

            await RecordAsync(context, input.IncidentId, ++sequence, "HoldEnded",
                $"No resolution within {hold}; the incident stays escalated and new alerts will open a new incident.");
            return escalated;
        }
    }

    private static Task<bool> RecordAsync(TaskOrchestrationContext context, string incidentId, int sequence, string kind, string message) =>
        context.CallActivityAsync<bool>(
            ActivityNames.RecordTimeline,
            new TimelineEntry(incidentId, sequence, context.CurrentUtcDateTime, kind, message),
            s_storageRetry);

    private static string AppName(string? resourceId)
    {
        if (string.IsNullOrEmpty(resourceId))
        {
            return "an unknown resource";
        }

        var slash = resourceId.TrimEnd('/').LastIndexOf('/');
        return slash >= 0 ? resourceId[(slash + 1)..] : resourceId;
    }
}
