using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Ingest;

/// <summary>When the Durable backend cannot take the alert the answer is 503, and the retry that Azure Monitor then sends finishes the job.</summary>
[TestClass]
public sealed class DependencyOutageTests
{
    private static async Task<(int Status, HttpResponse Response)> PostAsync(AlertsEndpoint endpoint, DurableTaskClient client, JsonNode alert)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:7071");
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(alert.ToJsonString()));
        context.Response.Body = new MemoryStream();
        var result = await endpoint.HandleAsync(context.Request, client, CancellationToken.None);
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, context.Response);
    }

    [TestMethod]
    public async Task Post_DurableBackendDown_503ThenRetryAfterRecoveryStartsTheSameIncident()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        var endpoint = new AlertsEndpoint(TestServices.Ingestor(store), new WebhookReader(TestServices.NoAuth(), Options.Create(new IngestOptions())), Options.Create(new IngestOptions()), NullLogger<AlertsEndpoint>.Instance);
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        var incidentId = IncidentIds.IncidentIdFor(alert["data"]!["essentials"]!["alertId"]!.GetValue<string>(), Samples.ShopSiteId,
            DateTimeOffset.Parse(alert["data"]!["essentials"]!["firedDateTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));

        // A Durable Task client whose backend is not there: the gRPC call fails as Unavailable.
        var services = new ServiceCollection().AddLogging();
        services.AddDurableTaskClient(b => b.UseGrpc($"http://127.0.0.1:{AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort()}"));
        await using var provider = services.BuildServiceProvider();
        var (status, response) = await PostAsync(endpoint, provider.GetRequiredService<DurableTaskClient>(), alert);

        Assert.AreEqual(503, status);
        Assert.AreEqual("30", response.Headers.RetryAfter.ToString());
        Assert.AreEqual("application/problem+json", response.ContentType);
        var stored = await store.GetAsync(incidentId);
        Assert.IsTrue(stored is null || stored.Status == IncidentStatus.Received, "nothing may look started after a 503");

        await using var backend = await StandInRemediation.StartAsync();
        var (retried, _) = await PostAsync(endpoint, backend.Client, alert);

        Assert.AreEqual(202, retried);
        var instance = await backend.Client.GetInstanceAsync(IncidentIds.InstanceIdFor(Samples.ShopSiteId), getInputsAndOutputs: true);
        Assert.AreEqual(incidentId, instance!.ReadInputAs<RemediationInput>()!.IncidentId);
    }
}
