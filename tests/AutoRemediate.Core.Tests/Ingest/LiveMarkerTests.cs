using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Moq;

namespace AutoRemediate.Core.Tests.Ingest;

/// <summary>
/// The repeat hot path (live marker + insert-only repeat rows) against Azurite and a real Durable Task backend; where a
/// test must prove the backend is not asked, the repeats go through a strict mock client that refuses every call.
/// </summary>
[TestClass]
public sealed class LiveMarkerTests
{
    private static readonly DateTimeOffset s_firedAt = new(2025, 4, 15, 18, 17, 12, TimeSpan.Zero);
    private readonly ShiftedTime _time = new();
    private DurableTaskTestHost _host = null!;
    private TableIncidentStore _store = null!;
    private (string Incidents, string Timeline) _tables;
    private AlertIngestor _ingestor = null!;

    [TestInitialize]
    public async Task StartAsync()
    {
        _tables = TestServices.UniqueTables();
        _store = TestServices.Store(_tables);
        _ingestor = TestServices.Ingestor(_store, time: _time);
        _host = await StandInRemediation.StartAsync();
    }

    [TestCleanup]
    public async Task StopAsync() => await _host.DisposeAsync();

    private static string InstanceId => IncidentIds.InstanceIdFor(Samples.ShopSiteId);

    private static AlertSignal Fired(string alertId, string rule = "memory-high", MonitorCondition condition = MonitorCondition.Fired) =>
        new(alertId, rule, "Sev2", "Metric", condition, "Platform", [Samples.ShopSiteId], s_firedAt, null, null);

    // A client that refuses every call but the AlertRepeated event: the hot path must not need the backend.
    private static Mock<DurableTaskClient> BackendThatMustNotBeAsked()
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "strict");
        client.Setup(c => c.RaiseEventAsync(InstanceId, EventNames.AlertRepeated, It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        return client;
    }

    [TestMethod]
    public async Task Ingest_HundredConcurrentRepeatsOfOneRule_EachCountedOnceAndIncidentRowNeverWritten()
    {
        var started = (await _ingestor.IngestAsync(Fired("alert-0"), _host.Client)).Single();
        var before = (await _store.GetAsync(started.IncidentId!))!;
        var backend = BackendThatMustNotBeAsked();

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 100).Select(i => _ingestor.IngestAsync(Fired($"alert-{i}"), backend.Object)));

        Assert.IsTrue(outcomes.All(o => o.Single().Disposition == TargetDisposition.Repeated && o.Single().IncidentId == started.IncidentId));
        var after = await _store.WithRepeatsAsync((await _store.GetAsync(started.IncidentId!))!);
        Assert.AreEqual(100, after.RepeatCount);
        Assert.IsNotNull(after.LastRepeatAt);
        // Insert-only: the incident row was not touched, so no writer could have waited on it (no 412, no retry).
        Assert.AreEqual(before.ETag, after.ETag);
        backend.VerifyNoOtherCalls();
    }

    [TestMethod]
    public async Task Ingest_RepeatDeliveredTwice_CountedOnceSecondIsDuplicate()
    {
        var started = (await _ingestor.IngestAsync(Fired("alert-0"), _host.Client)).Single();
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        var again = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Repeated, first.Disposition);
        Assert.AreEqual(TargetDisposition.Duplicate, again.Disposition);
        Assert.AreEqual(started.IncidentId, again.IncidentId);
        Assert.AreEqual(1, (await _store.WithRepeatsAsync((await _store.GetAsync(started.IncidentId!))!)).RepeatCount);
    }

    [TestMethod]
    public async Task Ingest_NewRuleFiringManyTimes_WorkflowToldOnceAndBackendNeverAsked()
    {
        var started = (await _ingestor.IngestAsync(Fired("alert-0"), _host.Client)).Single();
        var backend = BackendThatMustNotBeAsked();

        var outcomes = new List<TargetOutcome>();
        for (var i = 1; i <= 5; i++)
        {
            outcomes.AddRange(await _ingestor.IngestAsync(Fired($"alert-{i}", "http-5xx"), backend.Object));
        }

        Assert.IsTrue(outcomes.All(o => o.Disposition == TargetDisposition.Repeated));
        backend.Verify(c => c.RaiseEventAsync(InstanceId, EventNames.AlertRepeated, It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once());
        backend.VerifyNoOtherCalls();
        var incident = await _store.WithRepeatsAsync((await _store.GetAsync(started.IncidentId!))!);
        CollectionAssert.AreEqual(new[] { "memory-high", "http-5xx" }, incident.AlertRules!.ToArray());
        Assert.AreEqual(5, incident.RepeatCount);
        CollectionAssert.AreEqual(new[] { "memory-high", "http-5xx" }, (await _store.GetLiveAsync(InstanceId))!.Rules.ToArray());
    }

    [TestMethod]
    public async Task Ingest_RuleResolvedThenFiresAgain_HoldsTheIncidentOpenAgain()
    {
        await _ingestor.IngestAsync(Fired("alert-1"), _host.Client);
        await _ingestor.IngestAsync(Fired("alert-2", "cpu-high"), _host.Client);
        var memoryResolved = (await _ingestor.IngestAsync(Fired("alert-1", condition: MonitorCondition.Resolved), _host.Client)).Single();
        Assert.AreEqual(TargetDisposition.RuleResolved, memoryResolved.Disposition);

        var memoryAgain = (await _ingestor.IngestAsync(Fired("alert-3"), _host.Client)).Single();
        var cpuResolved = (await _ingestor.IngestAsync(Fired("alert-2", "cpu-high", MonitorCondition.Resolved), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Repeated, memoryAgain.Disposition);
        Assert.AreEqual(TargetDisposition.RuleResolved, cpuResolved.Disposition, cpuResolved.Reason);
        StringAssert.Contains(cpuResolved.Reason, "'memory-high' still firing");
    }

    [TestMethod]
    public async Task Ingest_AfterIncidentClosedAndWorkflowDone_MarkerGoneAndNextAlertStartsNewIncident()
    {
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        Assert.AreEqual(first.IncidentId, (await _store.GetLiveAsync(InstanceId))!.IncidentId);

        // What the workflow's close does (CloseIncident activity), then the workflow ends.
        await _store.UpdateStatusAsync(first.IncidentId!, IncidentStatus.Resolved, "Recovered.", _time.GetUtcNow());
        Assert.IsNull(await _store.GetLiveAsync(InstanceId));
        await _host.Client.RaiseEventAsync(InstanceId, EventNames.AlertResolved, new AlertResolvedEvent("alert-1", "memory-high", _time.GetUtcNow()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.Client.WaitForInstanceCompletionAsync(InstanceId, timeout.Token);

        var next = (await _ingestor.IngestAsync(Fired("alert-2"), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Started, next.Disposition);
        Assert.AreNotEqual(first.IncidentId, next.IncidentId);
        Assert.AreEqual(next.IncidentId, (await _store.GetLiveAsync(InstanceId))!.IncidentId);
    }

    [TestMethod]
    public async Task Ingest_WorkflowGoneWithoutClosing_StaleMarkerFoundAfterTheBoundAndNewIncidentStarts()
    {
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        await _host.Client.TerminateInstanceAsync(InstanceId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.Client.WaitForInstanceCompletionAsync(InstanceId, timeout.Token);

        // Within the bound the marker is trusted (the backend is not asked per alert).
        var within = (await _ingestor.IngestAsync(Fired("alert-2"), BackendThatMustNotBeAsked().Object)).Single();
        Assert.AreEqual(TargetDisposition.Repeated, within.Disposition);
        Assert.AreEqual(first.IncidentId, within.IncidentId);

        _time.Shift = LiveMarker.ConfirmAfter + TimeSpan.FromSeconds(1);
        var after = (await _ingestor.IngestAsync(Fired("alert-3"), _host.Client)).Single();

        Assert.AreEqual(TargetDisposition.Started, after.Disposition);
        Assert.AreNotEqual(first.IncidentId, after.IncidentId);
        Assert.AreEqual(after.IncidentId, (await _store.GetLiveAsync(InstanceId))!.IncidentId);
    }

    [TestMethod]
    public async Task Ingest_StaleMarkerOfRunningWorkflow_ConfirmedOnceThenTrustedAgain()
    {
        var first = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        _time.Shift = LiveMarker.ConfirmAfter + TimeSpan.FromSeconds(1);

        var confirmed = (await _ingestor.IngestAsync(Fired("alert-2"), _host.Client)).Single();
        var trusted = (await _ingestor.IngestAsync(Fired("alert-3"), BackendThatMustNotBeAsked().Object)).Single();

        Assert.AreEqual(TargetDisposition.Repeated, confirmed.Disposition);
        Assert.AreEqual(first.IncidentId, trusted.IncidentId);
        Assert.AreEqual(TargetDisposition.Repeated, trusted.Disposition);
    }

    [TestMethod]
    public async Task Purge_IncidentWithRepeatsAndMarker_DeletesRepeatRowsAndMarker()
    {
        var started = (await _ingestor.IngestAsync(Fired("alert-1"), _host.Client)).Single();
        await _ingestor.IngestAsync(Fired("alert-2"), _host.Client);
        await _ingestor.IngestAsync(Fired("alert-3"), _host.Client);

        var indexed = (await _store.ListOpenedBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1), 10)).Single(i => i.IncidentId == started.IncidentId);
        await _store.PurgeAsync(indexed);

        Assert.IsNull(await _store.GetLiveAsync(InstanceId));
        Assert.AreEqual(0, (await _store.GetRepeatsAsync(started.IncidentId!)).Count);
        Assert.AreEqual(0, await TableRows.CountAsync(_tables.Incidents, $"PartitionKey eq '{started.IncidentId}'"));
    }

    private sealed class ShiftedTime : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }
}
