using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// Azurite stopped (connections refused) or frozen (SIGSTOP: connections hang) under a DevHost on the
/// Azure Storage Durable backend, the one Durable Functions uses: both webhooks answer 503 with
/// Retry-After well inside the senders' timeouts, nothing is lost, and the retried delivery converges
/// on the same incident once storage is back.
/// </summary>
[TestClass]
public sealed class StorageOutageTests
{
    // Ingest:DependencyTimeout is 8 s by default; the answer must come well before a sender gives up.
    private static readonly TimeSpan s_answerBound = TimeSpan.FromSeconds(15);

    private static StringContent AlertBody(JsonNode alert) => new(alert.ToJsonString(), Encoding.UTF8, "application/json");

    // The same alert delivered through Event Grid: a CloudEvent whose data is the common-schema alert.
    private static StringContent EventBody(JsonNode alert) => new(new JsonArray(new JsonObject
    {
        ["specversion"] = "1.0",
        ["id"] = "evt-" + alert["data"]!["essentials"]!["alertId"]!.GetValue<string>().GetHashCode(StringComparison.Ordinal),
        ["type"] = "Microsoft.Insights.MetricAlert",
        ["source"] = "/subscriptions/11111111-2222-3333-4444-555555555555",
        ["time"] = "2026-11-30T10:00:00Z",
        ["data"] = alert.DeepClone(),
    }).ToJsonString(), Encoding.UTF8, "application/cloudevents-batch+json");

    private static string SiteFor(string name) => Samples.ShopSiteId.Replace("contoso-shop", name, StringComparison.Ordinal);

    private static string IncidentIdOf(JsonNode alert)
    {
        var essentials = alert["data"]!["essentials"]!;
        return IncidentIds.IncidentIdFor(essentials["alertId"]!.GetValue<string>(), essentials["alertTargetIDs"]![0]!.GetValue<string>(),
            DateTimeOffset.Parse(essentials["firedDateTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<(HttpResponseMessage Response, TimeSpan Took)> TimedPostAsync(HttpClient http, string path, HttpContent content)
    {
        var watch = Stopwatch.StartNew();
        var response = await http.PostAsync(path, content);
        return (response, watch.Elapsed);
    }

    private static void AssertUnavailable(HttpResponseMessage response, TimeSpan took, string what)
    {
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode, what);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType!.MediaType, what);
        Assert.IsNotNull(response.Headers.RetryAfter, what);
        Assert.IsLessThan(s_answerBound, took, $"{what} answered after {took}");
    }

    private static async Task<(DevHostRunner Host, AzuriteLauncher Azurite, AzuriteSettings Settings)> StartAsync()
    {
        var ports = LoopbackPorts.Free(3);
        var settings = new AzuriteSettings(ports[0], ports[1], ports[2], Directory.CreateTempSubdirectory("azurite-outage-").FullName);
        var azurite = await AzuriteLauncher.StartAsync(settings);
        var host = await InProcessDevHost.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            // The backend the Function App runs on by default, against the same Azurite.
            ["DevHost:DurableBackend"] = DurableBackends.AzureStorage,
            ["DevHost:TaskHub"] = "Outage" + Guid.NewGuid().ToString("N")[..8],
        });
        return (host, azurite, settings);
    }

    // Azurite runs as a child of its guard: freeze both, or the child keeps answering.
    private static void SignalTree(int pid, string signal)
    {
        var children = $"/proc/{pid}/task/{pid}/children";
        if (File.Exists(children))
        {
            foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                SignalTree(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture), signal);
            }
        }

        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    [TestMethod]
    public async Task StorageStopped_BothWebhooks503WithinBoundThenRetryConvergesOnOneIncident()
    {
        var (host, azurite, settings) = await StartAsync();
        await using var _ = host;
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        try
        {
            using var before = await http.PostAsync("/api/alerts", AlertBody(Samples.MetricAlertFor(SiteFor("before-outage"))));
            Assert.AreEqual(HttpStatusCode.Accepted, before.StatusCode);
            var earlier = (await before.Content.ReadFromJsonAsync<JsonObject>())!["incidentId"]!.GetValue<string>();

            await azurite.DisposeAsync();
            var alert = Samples.MetricAlertFor(SiteFor("during-outage"));
            var viaEventGrid = Samples.MetricAlertFor(SiteFor("during-outage-eg"));
            var (during, took) = await TimedPostAsync(http, "/api/alerts", AlertBody(alert));
            var (duringEvent, tookEvent) = await TimedPostAsync(http, "/api/events", EventBody(viaEventGrid));

            AssertUnavailable(during, took, "POST /api/alerts");
            AssertUnavailable(duringEvent, tookEvent, "POST /api/events");

            azurite = await AzuriteLauncher.StartAsync(settings);
            using var retried = await http.PostAsync("/api/alerts", AlertBody(alert));
            using var retriedEvent = await http.PostAsync("/api/events", EventBody(viaEventGrid));
            using var again = await http.PostAsync("/api/alerts", AlertBody(alert));

            Assert.AreEqual(HttpStatusCode.Accepted, retried.StatusCode, await retried.Content.ReadAsStringAsync());
            Assert.AreEqual(HttpStatusCode.OK, retriedEvent.StatusCode, await retriedEvent.Content.ReadAsStringAsync());
            Assert.AreEqual(IncidentIdOf(alert), (await retried.Content.ReadFromJsonAsync<JsonObject>())!["incidentId"]!.GetValue<string>());
            Assert.AreEqual(IncidentIdOf(viaEventGrid), (await retriedEvent.Content.ReadFromJsonAsync<JsonObject>())!["results"]![0]!["incidentId"]!.GetValue<string>());
            var duplicate = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.AreEqual(IncidentIdOf(alert), duplicate["incidentId"]!.GetValue<string>());
            Assert.AreEqual("Duplicate", duplicate["targets"]![0]!["disposition"]!.GetValue<string>());
            using var kept = await http.GetAsync($"/api/incidents/{earlier}");
            Assert.AreEqual(HttpStatusCode.OK, kept.StatusCode);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task StorageFrozen_BothWebhooks503WithinBoundThenRetryConvergesOnOneIncident()
    {
        var (host, azurite, _) = await StartAsync();
        await using var _ = host;
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        var pid = azurite.ProcessId!.Value;
        var frozen = false;
        try
        {
            using var before = await http.PostAsync("/api/alerts", AlertBody(Samples.MetricAlertFor(SiteFor("before-freeze"))));
            Assert.AreEqual(HttpStatusCode.Accepted, before.StatusCode);

            SignalTree(pid, "STOP");
            frozen = true;
            var alert = Samples.MetricAlertFor(SiteFor("during-freeze"));
            var viaEventGrid = Samples.MetricAlertFor(SiteFor("during-freeze-eg"));
            var (during, took) = await TimedPostAsync(http, "/api/alerts", AlertBody(alert));
            var (duringEvent, tookEvent) = await TimedPostAsync(http, "/api/events", EventBody(viaEventGrid));
            var (read, tookRead) = (await TimedPostAsync(http, "/api/alerts", AlertBody(alert)));

            AssertUnavailable(during, took, "POST /api/alerts");
            AssertUnavailable(duringEvent, tookEvent, "POST /api/events");
            AssertUnavailable(read, tookRead, "POST /api/alerts, again");

            SignalTree(pid, "CONT");
            frozen = false;
            HttpResponseMessage? retried = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            // The sender retries; storage that was frozen may take a moment to answer everything again.
            do
            {
                retried?.Dispose();
                retried = await http.PostAsync("/api/alerts", AlertBody(alert));
            }
            while (retried.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline && await Task.Delay(1000).ContinueWith(_ => true));

            Assert.AreEqual(HttpStatusCode.Accepted, retried.StatusCode, await retried.Content.ReadAsStringAsync());
            Assert.AreEqual(IncidentIdOf(alert), (await retried.Content.ReadFromJsonAsync<JsonObject>())!["incidentId"]!.GetValue<string>());
            retried.Dispose();
            using var retriedEvent = await http.PostAsync("/api/events", EventBody(viaEventGrid));
            Assert.AreEqual(HttpStatusCode.OK, retriedEvent.StatusCode, await retriedEvent.Content.ReadAsStringAsync());
            Assert.AreEqual(IncidentIdOf(viaEventGrid), (await retriedEvent.Content.ReadFromJsonAsync<JsonObject>())!["results"]![0]!["incidentId"]!.GetValue<string>());
        }
        finally
        {
            if (frozen)
            {
                SignalTree(pid, "CONT");
            }

            await azurite.DisposeAsync();
        }
    }
}
