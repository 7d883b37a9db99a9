using System.Diagnostics;
using System.Text.Json.Nodes;
using AutoRemediate.DevHost;
using AutoRemediate.Telemetry;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Functions.Tests;

/// <summary>
/// GET /api/health through the Function App's trigger with Core wired by AddAutoRemediate: 200 while
/// Azurite answers, 503 naming table and blob once that Azurite is stopped (the Durable backend here is the
/// in-process test host, which stays up).
/// </summary>
[TestClass]
public sealed class HealthFunctionTests
{
    private static async Task<(int Status, JsonNode Body, string? CacheControl, TimeSpan Took)> GetHealthAsync(string storage)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = storage }).Build();
        await using var services = new ServiceCollection().AddLogging().AddAutoRemediate(configuration).BuildServiceProvider();
        await using var durable = await DurableTaskTestHost.StartAsync(registry => registry.AddRemediationWorkflow(), new DurableTaskTestHostOptions { Port = DevHostRunner.FreeLoopbackPort() });
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "GET";
        context.Request.Path = "/api/health";
        context.Response.Body = new MemoryStream();
        var watch = Stopwatch.StartNew();

        var result = await new HealthFunction(services.GetRequiredService<HealthEndpoint>()).GetAsync(context.Request, durable.Client, CancellationToken.None);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

        var took = watch.Elapsed;
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync())!, context.Response.Headers.CacheControl, took);
    }

    [TestMethod]
    public async Task Health_StorageAndBackendUp_200Healthy()
    {
        var (status, body, cacheControl, _) = await GetHealthAsync(AzuriteFixture.ConnectionString);

        Assert.AreEqual(200, status, body.ToJsonString());
        Assert.AreEqual("healthy", body["status"]!.GetValue<string>());
        Assert.IsEmpty(body["failed"]!.AsArray());
        Assert.AreEqual("no-store", cacheControl);
    }

    [TestMethod]
    public async Task Health_AzuriteStopped_503NamingTableAndBlobWithinSeconds()
    {
        var ports = LoopbackPorts.Free(3);
        var azurite = await AzuriteLauncher.StartAsync(new AzuriteSettings(ports[0], ports[1], ports[2], Directory.CreateTempSubdirectory("azurite-health-").FullName));
        var connectionString = azurite.ConnectionString;
        await azurite.DisposeAsync();

        var (status, body, _, took) = await GetHealthAsync(connectionString);

        var text = body.ToJsonString();
        Assert.AreEqual(503, status, text);
        Assert.AreEqual("unhealthy", body["status"]!.GetValue<string>());
        CollectionAssert.AreEquivalent(new[] { "table", "blob" }, body["failed"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray(), text);
        Assert.IsTrue(body["checks"]!["durable"]!["healthy"]!.GetValue<bool>(), text);
        Assert.IsLessThan(TimeSpan.FromSeconds(12), took);
        Assert.DoesNotContain("AccountKey", text);
        Assert.DoesNotContain("127.0.0.1", text, "no storage endpoint in the answer");
    }
}
