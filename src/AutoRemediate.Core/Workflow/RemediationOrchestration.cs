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

        // No mitigation policy is wired in yet, so this is the design's "nothing explains it" rung:
        // diagnostics only, and people take over.
        var summary = "No automatic mitigation applies; diagnostics are on the timeline and the incident is handed to on-call.";
        await context.CallActivityAsync<bool>(
            ActivityNames.CloseIncident,
            new CloseIncidentRequest(incidentId, ++sequence, context.CurrentUtcDateTime, IncidentStatus.Escalated, summary),
            s_storageRetry);
        return new RemediationResult(incidentId, IncidentStatus.Escalated, summary);
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
