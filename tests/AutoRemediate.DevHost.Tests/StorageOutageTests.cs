using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Testing;

namespace AutoRemediate.DevHost.Tests;

/// <summary>Azurite stopped in the middle of a run: the DevHost answers 503 (retried by Azure Monitor), loses nothing, and recovers.</summary>
[TestClass]
public sealed class StorageOutageTests
{
    [TestMethod]
    public async Task StorageStoppedMidRun_503ThenRecoversWithEarlierIncidentIntact()
    {
        var ports = LoopbackPorts.Free(3);
        var location = Directory.CreateTempSubdirectory("azurite-outage-").FullName;
        var settings = new AzuriteSettings(ports[0], ports[1], ports[2], location);
        var azurite = await AzuriteLauncher.StartAsync(settings);
        await using var host = await InProcessDevHost.StartAsync(azurite.ConnectionString);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        StringContent Alert(string site) => new(Samples.MetricAlertFor(Samples.ShopSiteId.Replace("contoso-shop", site, StringComparison.Ordinal)).ToJsonString(), Encoding.UTF8, "application/json");
        try
        {
            using var before = await http.PostAsync("/api/alerts", Alert("before-outage"));
            Assert.AreEqual(HttpStatusCode.Accepted, before.StatusCode);
            var earlier = (await before.Content.ReadFromJsonAsync<JsonObject>())!["incidentId"]!.GetValue<string>();

            await azurite.DisposeAsync();
            using var during = await http.PostAsync("/api/alerts", Alert("during-outage"));

            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.AreEqual("application/problem+json", during.Content.Headers.ContentType!.MediaType);
            Assert.IsNotNull(during.Headers.RetryAfter);

            azurite = await AzuriteLauncher.StartAsync(settings);
            using var retried = await http.PostAsync("/api/alerts", Alert("during-outage"));
            Assert.AreEqual(HttpStatusCode.Accepted, retried.StatusCode);
            using var kept = await http.GetAsync($"/api/incidents/{earlier}");
            Assert.AreEqual(HttpStatusCode.OK, kept.StatusCode);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }
}
