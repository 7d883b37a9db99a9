using AutoRemediate.Alerts;
using AutoRemediate.Shared;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;

namespace AutoRemediate.Core.Tests;

/// <summary>
/// A real Durable Task backend (DurableTaskTestHost) whose Remediation orchestration is a stand-in
/// that waits for AlertResolved, so "a remediation is running" lasts as long as a test needs.
/// For tests of the ingest rules, not of the workflow.
/// </summary>
internal static class StandInRemediation
{
    public static Task<DurableTaskTestHost> StartAsync() =>
        DurableTaskTestHost.StartAsync(
            registry => registry.AddOrchestratorFunc<RemediationInput, string>(OrchestrationNames.Remediation, async (context, input) =>
            {
                var resolved = await context.WaitForExternalEvent<AlertResolvedEvent>(EventNames.AlertResolved);
                return $"{input.IncidentId} resolved by {resolved.AlertId}";
            }),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort() });
}
