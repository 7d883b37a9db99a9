using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Testing;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoRemediate.Core.Tests.Ingest;

[TestClass]
public sealed class EventIngestorTests
{
    private DurableTaskTestHost _host = null!;
    private TableIncidentStore _store = null!;
    private EventIngestor _ingestor = null!;

    [TestInitialize]
    public async Task StartAsync()
    {
        _store = TestServices.Store(TestServices.UniqueTables());
        _ingestor = new EventIngestor(TestServices.Ingestor(_store), _store, NullLogger<EventIngestor>.Instance);
        _host = await StandInRemediation.StartAsync();
    }

    [TestCleanup]
    public async Task StopAsync() => await _host.DisposeAsync();

    private static EventDelivery Parse(JsonNode node) => EventIngestor.Parse(Encoding.UTF8.GetBytes(node.ToJsonString()));

    /// <summary>A public App Service event sample, about the shop site.</summary>
    private static JsonNode AppEvent(string sample)
    {
        var node = Samples.Local("eventgrid/" + sample);
        var text = node.ToJsonString()
            .Replace("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/{resource-group}/providers/Microsoft.Web/sites/{site-name}", Samples.ShopSiteId, StringComparison.Ordinal)
            .Replace("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/<group>/providers/Microsoft.Web/sites/<site-name>", Samples.ShopSiteId, StringComparison.Ordinal);
        return JsonNode.Parse(text)!;
    }

    private static JsonObject CloudEvent(JsonNode data, string type = "Contoso.Monitoring.Alert") => new()
    {
        ["specversion"] = "1.0",
        ["id"] = Guid.NewGuid().ToString(),
        ["source"] = "/contoso/alert-forwarder",
        ["type"] = type,
        ["time"] = DateTimeOffset.UtcNow.ToString("O"),
        ["datacontenttype"] = "application/json",
        ["data"] = data,
    };

    [TestMethod]
    public void Parse_SubscriptionValidation_ReturnsTheCode()
    {
        var delivery = Parse(Samples.Shared("eventgrid/subscription-validation.event.array.json"));

        Assert.AreEqual(Samples.Shared("eventgrid/subscription-validation.expected-response.json")["validationResponse"]!.GetValue<string>(), delivery.ValidationCode);
    }

    [TestMethod]
    [DataRow("eventgrid.web.app-updated.restarted.json")]
    [DataRow("eventgrid.web.slot-swap-completed.json")]
    [DataRow("eventgrid.web.appserviceplan-updated.json")]
    [DataRow("eventgrid.resource-notifications.health-availability-changed.json")]
    [DataRow("cloudevents.single.json")]
    public void Parse_PublicEventSamples_AreWellFormed(string sample)
    {
        var delivery = Parse(Samples.Local("eventgrid/" + sample));

        Assert.IsEmpty(delivery.Errors, string.Join("; ", delivery.Errors));
        Assert.IsNotEmpty(delivery.Events);
    }

    [TestMethod]
    public async Task Ingest_CloudEventsBatchCarryingAlerts_StartsRemediationLikeTheWebhook()
    {
        var batch = new JsonArray(CloudEvent(Samples.MetricAlertFor(Samples.ShopSiteId)), CloudEvent(new JsonObject { ["hello"] = "world" }, "Contoso.Other"));

        var delivery = Parse(batch);
        var outcomes = await _ingestor.IngestAsync(delivery, _host.Client);

        Assert.AreEqual(EventDisposition.Alert, outcomes[0].Disposition);
        Assert.IsNotNull(outcomes[0].IncidentId);
        Assert.AreEqual(EventDisposition.Ignored, outcomes[1].Disposition);
        Assert.IsNotNull(await _host.Client.GetInstanceAsync(IncidentIds.InstanceIdFor(Samples.ShopSiteId)));
    }

    [TestMethod]
    public async Task Ingest_AppServiceEventsWhileRemediationRuns_RecordedOnceOnItsTimeline()
    {
        var started = (await TestServices.Ingestor(_store).IngestAsync(
            new AlertSignal("alert-1", "memory-high", "Sev2", "Metric", MonitorCondition.Fired, "Platform", [Samples.ShopSiteId], DateTimeOffset.UtcNow, null, null), _host.Client)).Single();
        var restarted = new JsonArray(AppEvent("eventgrid.web.app-updated.restarted.json"));
        var swap = new JsonArray(AppEvent("eventgrid.web.slot-swap-completed.json"));

        var first = await _ingestor.IngestAsync(Parse(restarted), _host.Client);
        await _ingestor.IngestAsync(Parse(restarted), _host.Client); // Event Grid redelivers: at least once.
        await _ingestor.IngestAsync(Parse(swap), _host.Client);

        Assert.AreEqual(EventDisposition.Recorded, first.Single().Disposition);
        var external = (await _store.GetTimelineAsync(started.IncidentId!)).Where(t => t.Kind == "AzureEvent").ToArray();
        Assert.HasCount(2, external);
        StringAssert.Contains(external[0].Message, "Stopped");
        StringAssert.Contains(external[1].Message, "Microsoft.Web.SlotSwapCompleted");
    }

    [TestMethod]
    public async Task Ingest_AppServiceEventWithNothingRunning_AcknowledgedAndIgnored()
    {
        var outcomes = await _ingestor.IngestAsync(Parse(new JsonArray(AppEvent("eventgrid.web.app-updated.restarted.json"))), _host.Client);

        Assert.AreEqual(EventDisposition.Ignored, outcomes.Single().Disposition);
        StringAssert.Contains(outcomes.Single().Reason, "No remediation is running");
    }

    [TestMethod]
    [DataRow("{}", DisplayName = "object without schema fields")]
    [DataRow("[]", DisplayName = "empty batch")]
    [DataRow("[{\"id\":\"1\"}]", DisplayName = "event without type")]
    [DataRow("[{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/x\"}]", DisplayName = "cloud event without type")]
    [DataRow("42", DisplayName = "not an event")]
    public void Parse_MalformedDelivery_Refused(string body)
    {
        var delivery = EventIngestor.Parse(Encoding.UTF8.GetBytes(body));

        Assert.IsNotEmpty(delivery.Errors);
        Assert.IsEmpty(delivery.Events);
    }

    [TestMethod]
    public void Parse_BatchWithOneBrokenAlert_RefusedWhole()
    {
        var broken = Samples.MetricAlertFor(Samples.ShopSiteId);
        broken["data"]!["essentials"]!.AsObject().Remove("alertId");
        var batch = new JsonArray(CloudEvent(Samples.MetricAlertFor(Samples.ShopSiteId)), CloudEvent(broken));

        var delivery = Parse(batch);

        Assert.AreEqual("[1].data.data.essentials.alertId", delivery.Errors.Single().Field);
        Assert.IsEmpty(delivery.Events);
    }
}
