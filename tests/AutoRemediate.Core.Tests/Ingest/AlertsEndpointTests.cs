using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace AutoRemediate.Core.Tests.Ingest;

/// <summary>
/// Bad input must change nothing. Strict mocks make that exact: any call to the store or the
/// Durable client (Azure's, in production) fails the test, which counting rows afterwards could not show.
/// </summary>
[TestClass]
public sealed class AlertsEndpointTests
{
    private static Task<(int Status, string ContentType, JsonNode Body)> PostAsync(string body, string? contentType, long maxBytes = 1024 * 1024) =>
        PostAsync(Encoding.UTF8.GetBytes(body), contentType, maxBytes);

    private static async Task<(int Status, string ContentType, JsonNode Body)> PostAsync(byte[] body, string? contentType, long maxBytes = 1024 * 1024)
    {
        var store = new Mock<IIncidentStore>(MockBehavior.Strict);
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "strict");
        var endpoint = new AlertsEndpoint(
            TestServices.Ingestor(store.Object),
            new WebhookReader(TestServices.NoAuth(), Options.Create(new IngestOptions { MaxBodyBytes = maxBytes })),
            Options.Create(new IngestOptions { MaxBodyBytes = maxBytes }),
            NullLogger<AlertsEndpoint>.Instance);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(body);
        context.Response.Body = new MemoryStream();

        var result = await endpoint.HandleAsync(context.Request, client.Object, CancellationToken.None);
        await result.ExecuteAsync(context);

        context.Response.Body.Position = 0;
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        store.VerifyNoOtherCalls();
        client.VerifyNoOtherCalls();
        return (context.Response.StatusCode, context.Response.ContentType ?? string.Empty, JsonNode.Parse(text)!);
    }

    [TestMethod]
    [DataRow("", "application/json", 400)]
    [DataRow("{", "application/json", 400)]
    [DataRow("null", "application/json", 400)]
    [DataRow("{\"schemaId\":\"Microsoft.Insights/activityLogs\",\"data\":{}}", "application/json", 400)]
    [DataRow("{}", "text/plain", 415)]
    [DataRow("{}", null, 415)]
    public async Task Handle_BadInput_ProblemAndNoStorageOrDurableCall(string body, string? contentType, int status)
    {
        var (actual, type, problem) = await PostAsync(body, contentType);

        Assert.AreEqual(status, actual);
        Assert.AreEqual("application/problem+json", type);
        Assert.AreEqual(status, problem["status"]!.GetValue<int>());
        Assert.IsFalse(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
    }

    [TestMethod]
    public async Task Handle_ThousandMalformedVariantsOfRealPayloads_EachRefusedAndNothingTouched()
    {
        var sources = Samples.CommonAlerts().Select(a => a.Payload).ToList();
        var variants = MalformedPayloads.Generate(sources, 1200);

        Assert.IsGreaterThanOrEqualTo(1000, variants.Count);
        foreach (var variant in variants)
        {
            var (status, type, problem) = await PostAsync(variant.Body, variant.ContentType);

            Assert.AreEqual(variant.ExpectedStatus, status, variant.Name);
            Assert.AreEqual("application/problem+json", type, variant.Name);
            Assert.IsFalse(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), variant.Name);
        }
    }

    [TestMethod]
    public async Task Handle_MissingFields_ListsEachFieldUnderErrors()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!.AsObject().Remove("alertId");
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray(42);

        var (status, _, problem) = await PostAsync(alert.ToJsonString(), "application/json");

        Assert.AreEqual(400, status);
        CollectionAssert.AreEquivalent(
            new[] { "data.essentials.alertId", "data.essentials.alertTargetIDs[0]" },
            problem["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    public async Task Handle_BodyOverLimit_413WithoutReadingItAll()
    {
        var (status, type, problem) = await PostAsync(new string(' ', 5000) + "{}", "application/json", maxBytes: 4096);

        Assert.AreEqual(413, status);
        Assert.AreEqual("application/problem+json", type);
        StringAssert.Contains(problem["detail"]!.GetValue<string>(), "4,096 bytes");
    }
}
