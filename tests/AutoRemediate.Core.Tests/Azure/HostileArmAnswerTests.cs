using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AutoRemediate.Azure;
using AutoRemediate.Shared;
using Azure;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Azure;

/// <summary>
/// Answers a real ARM never gives but a compromised proxy or a bug could: links to another host, an
/// answer about another resource, ids that would walk out of the app. The transport is a stand-in
/// for Azure itself (the Sandbox only answers as ARM does); it records every request the client made.
/// </summary>
[TestClass]
public sealed class HostileArmAnswerTests
{
    private const string Arm = "https://127.0.0.1:7443";
    private const string Shop = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private const string Cpu = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-cpu";
    private const string Plan = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-shop-prod";

    private sealed class ScriptedArm(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public ConcurrentQueue<Uri> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request.RequestUri!);
            return Task.FromResult(answer(request));
        }
    }

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage SiteJson(string id, string serverFarmId) =>
        Json(new System.Text.Json.Nodes.JsonObject { ["id"] = id, ["name"] = id[(id.LastIndexOf('/') + 1)..], ["properties"] = new System.Text.Json.Nodes.JsonObject { ["serverFarmId"] = serverFarmId } }.ToJsonString());

    private static (AppServiceClient Client, ScriptedArm Arm) Create(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        var arm = new ScriptedArm(answer);
        var options = new ArmClientOptions { Transport = new HttpClientTransport(new HttpClient(arm)) };
        options.Retry.MaxRetries = 0;
        var client = new AppServiceClient(new ArmPipeline(new SandboxCredential(TimeProvider.System),
            Options.Create(new AzureOptions { ResourceManagerEndpoint = new Uri(Arm), Credential = CredentialMode.Sandbox }), options, TimeProvider.System));
        return (client, arm);
    }

    [TestMethod]
    public async Task ListInstances_NextLinkToAnotherHost_NotFollowedAndTokenNeverSentThere()
    {
        var (client, arm) = Create(_ => Json("""{"value":[{"name":"i1","properties":{"state":"READY"}}],"nextLink":"https://collector.example/steal?x=1"}"""));

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => client.ListInstancesAsync(Shop));

        Assert.AreEqual("ForeignLink", ex.ErrorCode);
        Assert.IsTrue(arm.Requests.All(u => u.Host == "127.0.0.1"), string.Join(", ", arm.Requests));
        Assert.HasCount(1, arm.Requests);
    }

    [TestMethod]
    public async Task ListInstances_NextLinkToAnotherPortOfTheSameHost_NotFollowed()
    {
        var (client, arm) = Create(_ => Json("""{"value":[],"nextLink":"https://127.0.0.1:9999/next"}"""));

        await Assert.ThrowsExactlyAsync<RequestFailedException>(() => client.ListInstancesAsync(Shop));

        Assert.IsFalse(arm.Requests.Any(u => u.Port == 9999));
    }

    [TestMethod]
    [DataRow("Azure-AsyncOperation")]
    [DataRow("Location")]
    public async Task UpdatePlanSku_OperationHeaderToAnotherHost_NotPolled(string header)
    {
        var (client, arm) = Create(request =>
        {
            var accepted = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent(string.Empty) };
            accepted.Headers.TryAddWithoutValidation(header, "https://collector.example/operations/1");
            accepted.Headers.TryAddWithoutValidation("Retry-After", "0");
            return accepted;
        });

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => client.UpdatePlanSkuAsync(Plan, new PlanSkuChange(Capacity: 3)));

        StringAssert.Contains(ex.Message, "not followed");
        Assert.IsTrue(arm.Requests.All(u => u.Host == "127.0.0.1"));
    }

    [TestMethod]
    public async Task GetSite_AnswerAboutAnotherApp_Refused()
    {
        var (client, _) = Create(_ => SiteJson(Cpu, Plan));

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => client.GetSiteAsync(Shop));

        Assert.AreEqual("ResourceIdMismatch", ex.ErrorCode);
    }

    [TestMethod]
    public async Task GetSite_SameAppInAnotherSpelling_AcceptedWithCanonicalIds()
    {
        var (client, _) = Create(_ => SiteJson(Shop.ToUpperInvariant(), Plan.ToUpperInvariant()));

        var site = await client.GetSiteAsync(Shop);

        Assert.AreEqual(Shop, site.Id);
        Assert.AreEqual(Plan, site.ServerFarmId);
    }

    [TestMethod]
    [DataRow(Plan + "/../../sites/contoso-cpu", DisplayName = "a plan id that walks")]
    [DataRow(Cpu, DisplayName = "a site, not a plan")]
    public async Task GetSite_ServerFarmIdNotAPlan_PlanTreatedAsUnknown(string serverFarmId)
    {
        var (client, _) = Create(_ => SiteJson(Shop, serverFarmId));

        var site = await client.GetSiteAsync(Shop);

        Assert.IsNull(site.ServerFarmId);
    }

    [TestMethod]
    public async Task GetPlan_AnswerAboutAnotherPlan_Refused()
    {
        var (client, _) = Create(_ => Json("""{"id":"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-other/providers/Microsoft.Web/serverfarms/other","name":"other","sku":{"name":"P1v3","capacity":2}}"""));

        await Assert.ThrowsExactlyAsync<RequestFailedException>(() => client.GetPlanAsync(Plan));
    }

    [TestMethod]
    [DataRow("..")]
    [DataRow(".")]
    [DataRow("i1/../../../sites/contoso-cpu")]
    [DataRow("i1%2F..")]
    public async Task ListProcesses_InstanceIdThatIsNotOneSegment_RefusedBeforeAnyRequest(string instanceId)
    {
        var (client, arm) = Create(_ => Json("""{"value":[]}"""));

        await Assert.ThrowsExactlyAsync<ArgumentException>(() => client.ListProcessesAsync(Shop, instanceId));

        Assert.IsEmpty(arm.Requests);
    }

    [TestMethod]
    public async Task Restart_SiteIdWithDotSegments_RefusedBeforeAnyRequest()
    {
        var (client, arm) = Create(_ => Json("{}"));

        await Assert.ThrowsExactlyAsync<ArgumentException>(() => client.RestartAsync(Shop + "/../../sites/contoso-cpu"));

        Assert.IsEmpty(arm.Requests);
    }
}
