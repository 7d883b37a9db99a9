using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoRemediate.Core.Tests.Alerts;

/// <summary>
/// Ingestion against a real Durable Task backend (DurableTaskTestHost) and Azurite. The remediation
/// is replaced by a stand-in that simply waits for AlertResolved, so "running" lasts as long as the
/// test needs; the ingest rules (one live remediation per app) are what is under test.
/// </summary>
[TestClass]
public sealed class AlertIngestorTests
{
    private DurableTaskTestHost _host = null!;
    private TableIncidentStore _store = null!;
    private (string Incidents, string Timeline) _tables;
    private AlertIngestor _ingestor = null!;

    [TestInitialize]
    public async Task StartAsync()
    {
        _tables = TestServices.UniqueTables();
        _store = TestServices.Store(_tables);
        _ingestor = new AlertIngestor(_store, TimeProvider.System, NullLogger<AlertIngestor>.Instance);
        _host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddOrchestratorFunc<RemediationInput, string>(OrchestrationNames.Remediation, async (context, input) =>
            {
                var resolved = await context.WaitForExternalEvent<AlertResolvedEvent>(EventNames.AlertResolved);
                return $"{input.IncidentId} resolved by {resolved.AlertId}";
            }),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort() });
    }

    [TestCleanup]
    public async Task StopAsync() => await _host.DisposeAsync();

    private static AlertSignal Fired(string alertId, string target = Samples.ShopSiteId, MonitorCondition condition = MonitorCondition.Fired) =>
        new(alertId, "memory-high", "Sev2", "Metric", condition, "Platform", [target], new DateTimeOffset(2025, 4, 15, 18, 17, 12, TimeSpan.Zero), null, null);

    private Task<int> CountIncidentRowsAsync() => TableRows.CountAsync(_tables.Incidents);

    // The race path of AlertIngestor relies on this contract of the Durable Task client.
    [TestMethod]
    public async Task Schedule_SameIdWhileRunningWithLiveDedupe_ThrowsAlreadyExists()
    {
        var options = new StartOrchestrationOptions("remediate-contract").WithDedupeStatuses(
            OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended);
        var input = new RemediationInput("inc-x", Samples.ShopSiteId, Fired("alert-x"));
        await _host.Client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.Remediation, input, options);

        await Assert.ThrowsExactlyAsync<DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException>(
            () => _host.Client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.Remediation, input, options));
    }

    [TestMethod]
    public async Task Ingest_SameAlertDeliveredAgain_DuplicateOfSameIncident()
    {
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        var again = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Duplicate, again.Disposition);
        Assert.AreEqual(first.IncidentId, again.IncidentId);
        Assert.AreEqual(1, await CountIncidentRowsAsync());
    }

    [TestMethod]
    public async Task Ingest_OtherRuleSameAppWhileRunning_JoinsRunningIncident()
    {
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        var second = (await _ingestor.IngestAsync(Fired("alert-2"), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Repeated, second.Disposition);
        Assert.AreEqual(first.IncidentId, second.IncidentId);
        Assert.AreEqual(1, await CountIncidentRowsAsync());
    }

    [TestMethod]
    public async Task Ingest_ConcurrentDeliveriesForOneApp_ExactlyOneRemediation()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _ingestor.IngestAsync(Fired($"alert-{i}"), _host.Client)));

        var all = outcomes.SelectMany(o => o).ToArray();
        Assert.AreEqual(1, all.Count(o => o.Disposition == TargetDisposition.Started), string.Join(", ", all.Select(o => o.Disposition)));
        var winner = all.Single(o => o.Disposition == TargetDisposition.Started).IncidentId;
        Assert.IsTrue(all.All(o => o.IncidentId == winner), "every delivery must point at the one running incident");
        Assert.AreEqual(1, await CountIncidentRowsAsync());
    }

    [TestMethod]
    public async Task Ingest_Resolved_TellsTheRunningRemediation()
    {
        var started = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        var resolved = (await _ingestor.IngestAsync(Fired("alert-1", condition: MonitorCondition.Resolved), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.ResolvedForwarded, resolved.Disposition);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await _host.Client.WaitForInstanceCompletionAsync(IncidentIds.InstanceIdFor(Samples.ShopSiteId), getInputsAndOutputs: true, timeout.Token);
        Assert.AreEqual($"{started.IncidentId} resolved by alert-1", done.ReadOutputAs<string>());
    }

    [TestMethod]
    public async Task Ingest_ResolvedWithNothingRunning_IgnoredAndNothingStored()
    {
        var outcome = (await _ingestor.IngestAsync(Fired("alert-1", condition: MonitorCondition.Resolved), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Ignored, outcome.Disposition);
        Assert.AreEqual(0, await CountIncidentRowsAsync());
        Assert.IsNull(await _host.Client.GetInstanceAsync(IncidentIds.InstanceIdFor(Samples.ShopSiteId)));
    }

    [TestMethod]
    public async Task Ingest_StorageAccountTarget_IgnoredWithReasonAndNothingStarted()
    {
        const string storage = "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.storage/storageaccounts/test-storageAccount";

        var outcome = (await _ingestor.IngestAsync(Fired("alert-1", storage), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Ignored, outcome.Disposition);
        StringAssert.Contains(outcome.Reason, "microsoft.storage/storageaccounts");
        Assert.IsNull(await _host.Client.GetInstanceAsync(IncidentIds.InstanceIdFor(storage)));
    }
}
