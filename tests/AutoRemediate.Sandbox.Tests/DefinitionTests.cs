using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>Loading sandbox.apps.json: the bundled file, the older array format, and clear errors.</summary>
[TestClass]
public sealed class DefinitionTests
{
    [TestMethod]
    public void BundledFile_HasTheDocumentedAppsAndPlans()
    {
        var definition = SandboxDefinition.Load(Path.Combine(AppContext.BaseDirectory, "sandbox.apps.json"));

        var plans = definition.Plans.ToDictionary(p => p.Name);
        Assert.AreEqual(2, plans["plan-cpu-prod"].Sku.Capacity);
        Assert.AreEqual(10, plans["plan-cpu-prod"].MaximumNumberOfWorkers);
        Assert.AreEqual(5, plans["plan-cpu-prod"].Autoscale!.Maximum);
        Assert.AreEqual(3, plans["plan-onebad-prod"].Sku.Capacity);
        var scenarios = definition.Apps.ToDictionary(a => a.Name, a => a.Scenario);
        Assert.AreEqual("memory-leak", scenarios["contoso-shop"]);
        Assert.AreEqual("healthy", scenarios["contoso-api"]);
        Assert.AreEqual("cpu-saturation", scenarios["contoso-cpu"]);
        Assert.AreEqual("crash-loop", scenarios["contoso-crash"]);
        Assert.AreEqual("one-bad-instance", scenarios["contoso-onebad"]);
        Assert.AreEqual("platform-outage", scenarios["contoso-outage"]);
        Assert.IsTrue(definition.Apps.All(a => a.SubscriptionId == SandboxHost.Subscription && a.ResourceGroup == SandboxHost.ResourceGroup));
    }

    [TestMethod]
    public async Task LegacyArrayOfApps_StillLoads_WithInstanceCountAsPlanCapacity()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sandbox-legacy-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            [ { "subscriptionId": "11111111-2222-3333-4444-555555555555", "resourceGroup": "rg-a", "name": "legacy-app",
                "planName": "legacy-plan", "kind": "app", "scenario": "healthy", "instanceCount": 3 } ]
            """);
        try
        {
            var app = SandboxApp.Create(new SandboxHostOptions { Urls = "https://127.0.0.1:0", AppsPath = path });
            await app.StartAsync();
            try
            {
                var state = (SandboxState)app.Services.GetService(typeof(SandboxState))!;
                Assert.AreEqual(3, state.Apps.Single().InstanceCount);
                Assert.AreEqual("P1v3", state.Plans.Single().Sku.Name);
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    [DataRow("""{ "plans": [], "apps": [ { "subscriptionId": "s", "resourceGroup": "r", "name": "a", "planName": "missing" } ] }""", "not defined")]
    [DataRow("""{ "plans": [ { "subscriptionId": "s", "resourceGroup": "r", "name": "p" } ], "apps": [ { "subscriptionId": "s", "resourceGroup": "r", "name": "a", "planName": "p", "scenario": "meltdown" } ] }""", "unknown scenario")]
    [DataRow("""{ "plans": [ { "subscriptionId": "s", "resourceGroup": "r", "name": "p", "sku": { "name": "S1", "capacity": 20 }, "maximumNumberOfWorkers": 10 } ] }""", "capacity 20")]
    public void InvalidDefinition_FailsWithAMessageNamingTheProblem(string json, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sandbox-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => SandboxDefinition.Load(path));

            StringAssert.Contains(ex.Message, message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
