using System.Text.Json;
using AutoRemediate.Azure;
using AutoRemediate.Testing;

namespace AutoRemediate.Core.Tests.Azure;

/// <summary>The clients read the REST spec's own example bodies (shared/samples/arm) to the right values.</summary>
[TestClass]
public sealed class SpecExampleContractTests
{
    private static JsonElement Body(string sample, string status = "200") =>
        JsonDocument.Parse(Samples.Shared("arm/" + sample)["responses"]![status]!["body"]!.ToJsonString()).RootElement.Clone();

    [TestMethod]
    public void ToSite_GetWebAppExample_ReadsStatePlanAndHost()
    {
        var site = AppServiceClient.ToSite(Body("GetWebApp.2026-09-01.json"));

        Assert.AreEqual("sitef6141", site.Name);
        Assert.AreEqual("Running", site.State);
        Assert.AreEqual("app", site.Kind);
        Assert.AreEqual("East US", site.Location);
        Assert.AreEqual("sitef6141.azurewebsites.net", site.DefaultHostName);
        StringAssert.EndsWith(site.ServerFarmId, "/serverfarms/DefaultAsp");
        Assert.IsFalse(site.IsLinux);
    }

    [TestMethod]
    [DataRow("GetAppServicePlan.2026-09-01.json", "200")]
    [DataRow("PatchAppServicePlan.2026-09-01.json", "200")]
    [DataRow("PatchAppServicePlan.2026-09-01.json", "202")]
    public void ToPlan_PlanExamples_ReadSkuAndCapacity(string sample, string status)
    {
        var plan = AppServiceClient.ToPlan(Body(sample, status));

        Assert.AreEqual("testsf6141", plan.Name);
        Assert.AreEqual("P1", plan.SkuName);
        Assert.AreEqual("Premium", plan.SkuTier);
        Assert.AreEqual("P", plan.SkuFamily);
        Assert.AreEqual(1, plan.Capacity);
        Assert.AreEqual(20, plan.MaximumNumberOfWorkers);
    }
}
