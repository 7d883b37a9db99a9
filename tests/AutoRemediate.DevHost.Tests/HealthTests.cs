using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AutoRemediate.Testing;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// Issue 14 point 6: anonymous GET /api/health on the DevHost (Azure Storage Durable backend on its own
/// Azurite): 200 healthy while storage answers; with Azurite stopped, 503 within seconds naming table, blob
/// and the Durable backend, and nothing in the body that reaches storage.
/// </summary>
[TestClass]
public sealed class HealthTests
{
    // Each probe has a 4 s budget and they run in parallel; a slow 2-core machine gets headroom.
    private static readonly TimeSpan s_answerBound = TimeSpan.FromSeconds(12);

    [TestMethod]
    public async Task Health_AzuriteUpThenStopped_200HealthyThen503NamingWhatFailed()
    {
        var ports = LoopbackPorts.Free(3);
        var settings = new AzuriteSettings(ports[0], ports[1], ports[2], Directory.CreateTempSubdirectory("azurite-health-").FullName);
        var azurite = await AzuriteLauncher.StartAsync(settings);
        var stopped = false;
        try
        {
            await using var host = await InProcessDevHost.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
            {
                ["DevHost:DurableBackend"] = DurableBackends.AzureStorage,
                ["DevHost:TaskHub"] = "Health" + Guid.NewGuid().ToString("N")[..8],
            });
            // No function key: the route is anonymous like the Function App's.
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

            using var up = await http.GetAsync("/api/health");
            var healthy = (await up.Content.ReadFromJsonAsync<JsonObject>())!;

            Assert.AreEqual(HttpStatusCode.OK, up.StatusCode, healthy.ToJsonString());
            Assert.AreEqual("healthy", healthy["status"]!.GetValue<string>());
            foreach (var part in new[] { "table", "blob", "durable" })
            {
                Assert.IsTrue(healthy["checks"]![part]!["healthy"]!.GetValue<bool>(), part);
            }

            Assert.IsTrue(up.Headers.CacheControl?.NoStore, "a health answer is never cached");

            await azurite.DisposeAsync();
            stopped = true;
            var watch = Stopwatch.StartNew();
            using var down = await http.GetAsync("/api/health");
            var took = watch.Elapsed;
            var text = await down.Content.ReadAsStringAsync();
            var unhealthy = JsonNode.Parse(text)!;

            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, down.StatusCode, text);
            Assert.AreEqual("application/json", down.Content.Headers.ContentType!.MediaType);
            Assert.AreEqual("unhealthy", unhealthy["status"]!.GetValue<string>());
            CollectionAssert.IsSubsetOf(new[] { "table", "blob", "durable" }, unhealthy["failed"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray(), text);
            Assert.IsLessThan(s_answerBound, took, $"answered after {took}");
            Assert.DoesNotContain("AccountKey", text);
            Assert.DoesNotContain(ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture), text, "no storage endpoint in the answer");
        }
        finally
        {
            if (!stopped)
            {
                await azurite.DisposeAsync();
            }
        }
    }
}
