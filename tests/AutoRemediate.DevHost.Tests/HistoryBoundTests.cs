using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Data.Tables;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The orchestration history of an incident no mitigation helps, as the Azure Storage backend (the one
/// Durable Functions uses) stores it: the verification polls stay out of the remediation's history, and
/// each verification's history holds at most one generation of polls.
/// </summary>
[TestClass]
public sealed class HistoryBoundTests
{
    private const string Site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-crash";

    [TestMethod]
    public async Task Remediation_AppNeverRecovers_EveryHistoryBoundedWhateverThePollCount()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var taskHub = "Bound" + suffix;
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            ["DevHost:DurableBackend"] = DurableBackends.AzureStorage,
            ["DevHost:TaskHub"] = taskHub,
            ["Storage:IncidentsTable"] = "Incidents" + suffix,
            ["Storage:TimelineTable"] = "Timeline" + suffix,
            ["Storage:ActionsTable"] = "Actions" + suffix,
            ["Workflow:AutoApprove"] = "true",
            ["Workflow:EscalationHold"] = "00:00:00",
            // 21 polls per verification, as many as the defaults (a poll a minute for 20 minutes) take.
            ["Workflow:VerifyInterval"] = "00:00:01",
            ["Workflow:VerifyHealthyFor"] = "00:00:02",
            ["Workflow:VerifyDeadline"] = "00:00:20",
        });
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var alert = Samples.MetricAlertFor(Site);
        var criterion = alert["data"]!["alertContext"]!["condition"]!["allOf"]![0]!;
        criterion["metricName"] = "Http5xx";
        criterion["threshold"] = "10";
        criterion["timeAggregation"] = "Total";
        using var posted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Accepted, posted.StatusCode);
        var body = (await posted.Content.ReadFromJsonAsync<JsonObject>())!;
        var incidentId = body["incidentId"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddMinutes(4);
        JsonObject incident;
        do
        {
            await Task.Delay(500);
            incident = (await http.GetFromJsonAsync<JsonObject>(body["statusUrl"]!.GetValue<string>()))!;
        }
        while (!incident["closed"]!.GetValue<bool>() && DateTime.UtcNow < deadline);

        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        var steps = string.Join("\n", incident["timeline"]!.AsArray().Select(t => $"{t!["at"]} {t["kind"]}"));
        Assert.AreEqual("Escalated", incident["status"]!.GetValue<string>(), steps);
        Assert.AreEqual(2, kinds.Count(k => k == "VerificationFailed"));

        var history = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(taskHub + "History");
        var remediation = await OrchestrationHistory.ReadAsync(history, IncidentIds.InstanceIdFor(Site));
        Assert.AreEqual(0, remediation.Polls, "no verification poll in the remediation's history");
        Assert.IsLessThan(64 * 1024, remediation.Bytes);
        foreach (var verification in new[] { incidentId + "-v1", incidentId + "-v2" })
        {
            var stored = await OrchestrationHistory.ReadAsync(history, verification);
            Assert.IsTrue(stored.Polls is > 0 and <= 10, $"{verification}: {stored.Polls} polls in its stored history\n{steps}");
            Assert.IsLessThan(64 * 1024, stored.Bytes);
        }
    }
}
