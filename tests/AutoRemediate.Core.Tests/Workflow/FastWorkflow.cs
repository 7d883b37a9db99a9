using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>Workflow settings that make a whole remediation run in seconds on the DurableTaskTestHost (no hold, 1-second polls).</summary>
internal static class FastWorkflow
{
    /// <summary>A fresh copy, so a test may add its own settings.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Workflow:EscalationHold"] = "00:00:00",
        ["Workflow:VerifyInterval"] = "00:00:01",
        ["Workflow:VerifyHealthyFor"] = "00:00:02",
        ["Workflow:VerifyDeadline"] = "00:00:15",
        ["Workflow:DiagnosticsTimeout"] = "00:00:30",
    };

    /// <summary>
    /// A memory alert on <paramref name="target"/> (MemoryWorkingSet above 1.5 GiB, Average) stored as a Received incident,
    /// and its remediation started on a DurableTaskTestHost with <paramref name="settings"/> as the workflow's settings and
    /// <paramref name="configureServices"/> as its services. The caller disposes the host.
    /// </summary>
    public static async Task<(DurableTaskTestHost Host, string IncidentId, string InstanceId)> StartMemoryRemediationAsync(
        TableIncidentStore store, string target, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection> configureServices,
        string? description = null, EvaluationWindow? window = null)
    {
        var workflow = new WorkflowOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(WorkflowOptions.SectionName).Bind(workflow);
        var now = DateTimeOffset.UtcNow;
        const double threshold = 1610612736;
        var signal = new AlertSignal(
            "alert-" + Guid.NewGuid().ToString("N"), "MemoryWorkingSet-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [target], now, null, description, SignalKind.MetricStatic,
            [new AlertCondition("MemoryWorkingSet", "Microsoft.Web/sites", "GreaterThan", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), threshold * 1.2, "Average", null)],
            window);
        var incidentId = IncidentIds.IncidentIdFor(signal.AlertId, target, signal.FiredAt);
        await store.TryCreateAsync(new IncidentRecord(incidentId, target, signal.AlertId, signal.AlertRule, signal.Severity, IncidentStatus.Received, "received", now, now));
        var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddRemediationWorkflow(),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort(), ConfigureServices = configureServices });
        var instanceId = IncidentIds.InstanceIdFor(target);
        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            OrchestrationNames.Remediation, new RemediationInput(incidentId, target, signal, workflow.ToSettings()), new StartOrchestrationOptions(instanceId));
        return (host, incidentId, instanceId);
    }
}
