using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoRemediate.Core.Tests.Ingest;

/// <summary>Ingestion rules (one live remediation per app) against a real Durable Task backend and Azurite.</summary>
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
        _ingestor = TestServices.Ingestor(_store);
        _host = await StandInRemediation.StartAsync();
    }

    [TestCleanup]
    public async Task StopAsync() => await _host.DisposeAsync();

    private static AlertSignal Fired(string alertId, string target = Samples.ShopSiteId, MonitorCondition condition = MonitorCondition.Fired) =>
        new(alertId, "memory-high", "Sev2", "Metric", condition, "Platform", [target], new DateTimeOffset(2025, 4, 15, 18, 17, 12, TimeSpan.Zero), null, null);

    private Task<int> CountIncidentRowsAsync() => TableRows.IncidentsAsync(_tables.Incidents);

    // The race path of AlertIngestor relies on this contract of the Durable Task client.
    [TestMethod]
    public async Task Schedule_SameIdWhileRunningWithLiveDedupe_ThrowsAlreadyExists()
    {
        var options = new StartOrchestrationOptions("remediate-contract").WithDedupeStatuses(
            OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended);
        var input = new RemediationInput("inc-x", Samples.ShopSiteId, Fired("alert-x"), new WorkflowSettings(TimeSpan.Zero));
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
    public async Task Ingest_FiftyConcurrentDeliveriesForOneApp_ExactlyOneRemediationAndFortyNineRepeats()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => _ingestor.IngestAsync(Fired($"alert-{i}"), _host.Client)));

        var all = outcomes.SelectMany(o => o).ToArray();
        Assert.AreEqual(1, all.Count(o => o.Disposition == TargetDisposition.Started), string.Join(", ", all.Select(o => o.Disposition)));
        var winner = all.Single(o => o.Disposition == TargetDisposition.Started).IncidentId;
        Assert.IsTrue(all.All(o => o.IncidentId == winner), "every delivery must point at the one running incident");
        Assert.AreEqual(1, await CountIncidentRowsAsync());
        Assert.AreEqual(49, (await _store.WithRepeatsAsync((await _store.GetAsync(winner!))!)).RepeatCount);
        var running = 0;
        await foreach (var _ in _host.Client.GetAllInstancesAsync(new OrchestrationQuery { Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending] }))
        {
            running++;
        }

        Assert.AreEqual(1, running);
    }

    [TestMethod]
    public async Task Ingest_RepeatsOfOneRule_CountedButWorkflowToldOnce()
    {
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        await _ingestor.IngestAsync(Fired("alert-2") with { AlertRule = "http-5xx" }, _host.Client);
        await _ingestor.IngestAsync(Fired("alert-3") with { AlertRule = "http-5xx" }, _host.Client);
        var again = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();

        // The opening alert delivered again is that same incident, not a repeat of it.
        Assert.AreEqual(TargetDisposition.Duplicate, again.Disposition);
        var incident = await _store.WithRepeatsAsync((await _store.GetAsync(first.IncidentId!))!);
        Assert.AreEqual(2, incident.RepeatCount);
        CollectionAssert.AreEqual(new[] { "memory-high", "http-5xx" }, incident.AlertRules!.ToArray());
    }

    [TestMethod]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop/slots/staging")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-shop-prod")]
    public async Task Ingest_SlotOrPlanTarget_StartsItsOwnRemediation(string target)
    {
        var outcome = (await _ingestor.IngestAsync(Fired("alert-1", target), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Started, outcome.Disposition);
        Assert.IsNotNull(await _host.Client.GetInstanceAsync(IncidentIds.InstanceIdFor(target)));
    }

    [TestMethod]
    public async Task Ingest_OneAlertThreeApps_OneIncidentEach()
    {
        var sites = new[] { "app-a", "app-b", "app-c" }.Select(n => Samples.ShopSiteId.Replace("contoso-shop", n, StringComparison.Ordinal)).ToArray();
        var signal = Fired("alert-1") with { TargetResourceIds = sites };

        var outcomes = await _ingestor.IngestAsync(signal, _host.Client);

        Assert.IsTrue(outcomes.All(o => o.Disposition == TargetDisposition.Started));
        Assert.AreEqual(3, outcomes.Select(o => o.IncidentId).Distinct().Count());
        Assert.AreEqual(3, await CountIncidentRowsAsync());
    }

    [TestMethod]
    public async Task Ingest_OutsideConfiguredScope_IgnoredWithReasonAndNothingStarted()
    {
        var scope = new ScopeOptions();
        scope.AllowedResourceGroups.Add("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-other");
        var ingestor = TestServices.Ingestor(_store, scope);

        var outcome = (await ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Ignored, outcome.Disposition);
        StringAssert.Contains(outcome.Reason, "outside the configured scope");
        Assert.AreEqual(0, await CountIncidentRowsAsync());
        Assert.IsNull(await _host.Client.GetInstanceAsync(IncidentIds.InstanceIdFor(Samples.ShopSiteId)));
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
    public async Task Ingest_OneOfTwoRulesResolved_RemediationGoesOnUntilTheOtherResolves()
    {
        var started = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        var cpu = Fired("alert-2") with { AlertRule = "cpu-high" };
        await _ingestor.IngestAsync(cpu, _host.Client);

        var first = (await _ingestor.IngestAsync(Fired("alert-1", condition: MonitorCondition.Resolved), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.RuleResolved, first.Disposition);
        StringAssert.Contains(first.Reason, "'cpu-high' still firing");
        var instanceId = IncidentIds.InstanceIdFor(Samples.ShopSiteId);
        Assert.AreEqual(OrchestrationRuntimeStatus.Running, (await _host.Client.GetInstanceAsync(instanceId))!.RuntimeStatus, "the remediation was not told");
        var timeline = await _store.GetTimelineAsync(started.IncidentId!);
        Assert.IsTrue(timeline.Any(t => t.Kind == TimelineKinds.RuleResolved && t.Message.Contains("'memory-high' resolved", StringComparison.Ordinal)));

        var second = (await _ingestor.IngestAsync(cpu with { MonitorCondition = MonitorCondition.Resolved }, _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.ResolvedForwarded, second.Disposition);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await _host.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.AreEqual($"{started.IncidentId} resolved by alert-2", done.ReadOutputAs<string>());
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

    [TestMethod]
    public async Task Ingest_ServiceHealthAlert_KeptForThePlatformCheckAndNoIncident()
    {
        var notices = TestServices.Notices();
        var ingestor = TestServices.Ingestor(_store, notices: notices);
        var payload = Samples.Local("alerts/common.activitylog-servicehealth.json");
        var properties = payload["data"]!["alertContext"]!["properties"]!;
        properties["stage"] = "Active";
        properties["region"] = "West Europe";
        var signal = CommonAlertSchemaParser.Parse(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString())).Signal!;

        var outcome = (await ingestor.IngestAsync(signal, _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.PlatformNoticeRecorded, outcome.Disposition);
        Assert.IsNull(outcome.IncidentId);
        Assert.AreEqual(0, await CountIncidentRowsAsync());
        var notice = (await notices.ListAsync()).Single();
        Assert.AreEqual("ABC1-DEF", notice.TrackingId);
        Assert.IsTrue(notice.IsOpenIncident);
        Assert.IsTrue(notice.Covers("West Europe"));
        Assert.IsFalse(notice.Covers("East US"));

        // The same tracking id, resolved later: the newer version replaces it and no longer blocks.
        properties["stage"] = "Resolved";
        payload["data"]!["essentials"]!["firedDateTime"] = DateTimeOffset.UtcNow.ToString("O");
        await ingestor.IngestAsync(CommonAlertSchemaParser.Parse(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString())).Signal!, _host.Client);
        Assert.IsFalse((await notices.ListAsync()).Single().IsOpenIncident);
    }
}
