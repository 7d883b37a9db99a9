using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using static AutoRemediate.Sandbox.Tests.SandboxHost;

namespace AutoRemediate.Sandbox.Tests;

/// <summary>
/// Contract tests: every body the Sandbox sends has the shape (property names, nesting, JSON kinds) of
/// the REST spec example for that operation (SpecExamples/, provenance in SpecExamples/SOURCES.md).
/// Properties the spec defines but the example leaves out are added to the example explicitly, each
/// listed in SOURCES.md.
/// </summary>
[TestClass]
public sealed class ContractTests
{
    private static SandboxHost s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxHost.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestMethod]
    public async Task SiteConfigWeb_HasTheShapeOfGetSiteConfig_WithHealthCheckPath()
    {
        var example = Spec.Body("GetSiteConfig.2025-05-01.json");
        example["properties"]!["healthCheckPath"] = "/path";

        var body = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/config/web?{Api}");

        Spec.AssertSameShape(example, body);
        Assert.AreEqual("web", body["name"]!.GetValue<string>());
        Assert.AreEqual("Microsoft.Web/sites/config", body["type"]!.GetValue<string>());
        Assert.AreEqual("/healthz", body["properties"]!["healthCheckPath"]!.GetValue<string>());
        Assert.AreEqual(2, body["properties"]!["numberOfWorkers"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Slots_HaveTheShapeOfGetWebAppSlot()
    {
        var example = Spec.Body("GetWebAppSlot.2025-05-01.json");

        var list = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/slots?{Api}");
        var slot = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/slots/STAGING?{Api}");

        Spec.AssertSameShape(new JsonObject { ["value"] = new JsonArray(example.DeepClone()), ["nextLink"] = "string" }, list);
        Spec.AssertSameShape(example, slot);
        Assert.AreEqual("contoso-shop/staging", slot["name"]!.GetValue<string>());
        Assert.AreEqual("Microsoft.Web/sites/slots", slot["type"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Plan_HasTheShapeOfGetAppServicePlan()
    {
        var body = await s_sandbox.GetJsonAsync($"{Plan("plan-cpu-prod")}?{Api}");

        Spec.AssertSameShape(Spec.Body("GetAppServicePlan.2026-09-01.json"), body);
        Assert.AreEqual("S1", body["sku"]!["name"]!.GetValue<string>());
        Assert.AreEqual("Standard", body["sku"]!["tier"]!.GetValue<string>());
        Assert.AreEqual(2, body["sku"]!["capacity"]!.GetValue<int>());
        Assert.AreEqual(10, body["properties"]!["maximumNumberOfWorkers"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task PlanPatch_Async_202HasTheShapeAndHeadersOfPatchAppServicePlan()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var example = Spec.Example("PatchAppServicePlan.2026-09-01.json")["responses"]!["202"]!;

        using var response = await sandbox.Client().PatchAsJsonAsync($"{Plan("plan-shop-prod")}?{Api}", new { sku = new { capacity = 3 } });

        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
        Spec.AssertSameShape(example["body"]!, (await response.Content.ReadFromJsonAsync<JsonNode>())!);
        foreach (var header in example["headers"]!.AsObject().Select(h => h.Key))
        {
            Assert.IsTrue(response.Headers.TryGetValues(header, out var values), $"202 lacks the {header} header of the spec example");
            var url = new Uri(values.Single());
            Assert.AreEqual("https", url.Scheme);
            StringAssert.Contains(url.AbsolutePath, "/serverfarms/plan-shop-prod/operationresults/");
        }

        Assert.AreEqual("1", response.Headers.GetValues("Retry-After").Single());
    }

    [TestMethod]
    public async Task PlanPatch_Sync_200HasTheShapeOfPatchAppServicePlan()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        await sandbox.AddFaultAsync(new { method = "PATCH", pathContains = "/serverfarms/plan-shop-prod", lroMode = "sync" });

        using var response = await sandbox.Client().PatchAsJsonAsync($"{Plan("plan-shop-prod")}?{Api}", new { sku = new { capacity = 3 } });

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Spec.AssertSameShape(Spec.Body("PatchAppServicePlan.2026-09-01.json"), body);
        Assert.AreEqual(3, body["sku"]!["capacity"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Instances_HaveTheShapeOfGetSiteInstanceInfo()
    {
        var example = Spec.Body("GetSiteInstanceInfo.2025-03-01.json");

        var list = await s_sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances?{Api}");

        Spec.AssertSameShape(new JsonObject { ["value"] = new JsonArray(example.DeepClone()), ["nextLink"] = "string" }, list);
        Assert.IsTrue(list.AsObject().ContainsKey("nextLink"));
        var first = list["value"]![0]!;
        Assert.AreEqual("Microsoft.Web/sites/instances", first["type"]!.GetValue<string>());
        Assert.AreEqual(64, first["name"]!.GetValue<string>().Length);
        Spec.AssertSameShape(example, await s_sandbox.GetJsonAsync($"{Site("contoso-onebad")}/instances/{first["name"]!.GetValue<string>()}?{Api}"));
    }

    [TestMethod]
    public async Task ArmProcess_HasTheShapeOfTheSpecProcessInfoDefinition()
    {
        var shape = Spec.Example("ProcessInfo.arm-definition.shape.json")["resource"]!;
        // Not in the ARM swagger: Kudu's ProcessInfo.machineName, which ARM passes through (azure-facts §10.2; SOURCES.md).
        shape["properties"]!["machineName"] = "string";
        var instance = (await s_sandbox.InstanceIdsAsync("contoso-shop"))[0];

        var list = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/instances/{instance}/processes?{Api}");
        var process = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/instances/{instance}/processes/1?{Api}");

        // environment_variables is a map (any names, string values): check it as such, then compare the rest.
        foreach (var each in list["value"]!.AsArray().Select(p => p!["properties"]!.AsObject()).Append(process["properties"]!.AsObject()))
        {
            Assert.IsTrue(each["environment_variables"]!.AsObject().All(v => v.Value!.GetValueKind() == JsonValueKind.String));
            each.Remove("environment_variables");
        }

        Spec.AssertSameShape(new JsonObject { ["value"] = new JsonArray(shape.DeepClone()), ["nextLink"] = "string" }, list);
        Spec.AssertSameShape(shape, process);
        Assert.AreEqual("1", process["name"]!.GetValue<string>());
        Assert.AreEqual("Microsoft.Web/sites/instances/processes", process["type"]!.GetValue<string>());
        var properties = process["properties"]!;
        Assert.AreEqual(1, properties["identifier"]!.GetValue<int>());
        StringAssert.EndsWith(properties["file_name"]!.GetValue<string>(), "w3wp.exe");
        Assert.IsTrue(DateTimeOffset.TryParse(properties["start_time"]!.GetValue<string>(), out _));
        Assert.IsTrue(TimeSpan.TryParse(properties["total_cpu_time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.IsTrue(properties["working_set"]!.GetValue<long>() > 0);
    }

    // Kudu's ProcessInfo (projectkudu/kudu Kudu.Contracts/Diagnostics/ProcessInfo.cs): every property the
    // Sandbox sends is one of its JSON properties, with the JSON kind its C# type serializes to.
    [TestMethod]
    public async Task KuduProcess_UsesKudusOwnProcessInfoPropertiesAndTypes()
    {
        var schema = Spec.Example("ProcessInfo.json-properties.from-source.json")["json_properties"]!.AsArray()
            .ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["csharp_type"]!.GetValue<string>());
        var client = s_sandbox.Client();

        var list = (await client.GetFromJsonAsync<JsonArray>("/scm/contoso-shop/api/processes"))!;
        var details = (await client.GetFromJsonAsync<JsonObject>("/scm/contoso-shop/api/processes/0"))!;
        var scm = (await client.GetFromJsonAsync<JsonObject>("/scm/contoso-shop/api/processes/2"))!;

        foreach (var item in list.Append(details).Append(scm))
        {
            foreach (var (name, value) in item!.AsObject())
            {
                Assert.IsTrue(schema.TryGetValue(name, out var type), $"Kudu's ProcessInfo has no '{name}'");
                Assert.AreEqual(KindOf(type), value!.GetValueKind() is JsonValueKind.False ? JsonValueKind.True : value.GetValueKind(), $"{name} ({type})");
            }
        }

        CollectionAssert.AreEquivalent(new[] { "id", "name", "machineName", "href", "user_name" }, list[0]!.AsObject().Select(p => p.Key).ToArray());
        Assert.AreEqual(1, details["id"]!.GetValue<int>(), "id 0 is the site's main worker");
        Assert.IsFalse(details.ContainsKey("is_scm_site"), "false values are left out, as Kudu's serializer does");
        Assert.IsTrue(scm["is_scm_site"]!.GetValue<bool>());
    }

    [TestMethod]
    public async Task Metrics_SplitByInstance_HaveTheShapeOfGetMetric()
    {
        var example = Spec.Body("GetMetric.2023-10-01.json");

        var site = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=MemoryWorkingSet,Http5xx,HealthCheckStatus&aggregation=Average,Minimum,Maximum&interval=PT5M&$filter=Instance eq '*'");
        var plan = await s_sandbox.GetJsonAsync($"{Plan("plan-cpu-prod")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=CpuPercentage,MemoryPercentage,HttpQueueLength&aggregation=Average");
        var total = await s_sandbox.GetJsonAsync($"{Site("contoso-shop")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=Requests");

        Spec.AssertSameShape(example, site);
        Spec.AssertSameShape(example, plan);
        Assert.AreEqual(3, site["value"]!.AsArray().Count);
        Assert.AreEqual("Bytes", site["value"]![0]!["unit"]!.GetValue<string>());
        var series = site["value"]![0]!["timeseries"]!.AsArray();
        Assert.AreEqual(2, series.Count, "one series per instance");
        Assert.AreEqual("instance", series[0]!["metadatavalues"]![0]!["name"]!["value"]!.GetValue<string>());
        Assert.IsTrue(series[0]!["data"]!.AsArray().Count is 12 or 13, "the last hour (by default) in 5-minute points, from a 5-minute boundary");
        Assert.AreEqual(0, plan["value"]![0]!["timeseries"]![0]!["metadatavalues"]!.AsArray().Count, "not split: one series, no dimension values");
        Assert.IsTrue(total["value"]![0]!["timeseries"]![0]!["data"]!.AsArray().Last()!.AsObject().ContainsKey("total"), "Requests defaults to its primary aggregation, Total");
    }

    // Azure's metrics Instance dimension holds machine names (RD… on Windows), not ARM instance ids; the
    // machineName on each instance's process records is how a caller maps one to the other.
    [TestMethod]
    [DataRow("contoso-onebad", false)]
    [DataRow("contoso-cpu", true)]
    public async Task Metrics_SplitByInstance_InstanceValuesAreTheProcessRecordsMachineNames(string app, bool plan)
    {
        var instances = await s_sandbox.InstanceIdsAsync(app);
        var machineNames = new List<string>();
        foreach (var instance in instances)
        {
            machineNames.Add((await s_sandbox.GetJsonAsync($"{Site(app)}/instances/{instance}/processes/1?{Api}"))["properties"]!["machineName"]!.GetValue<string>());
        }

        var resource = plan ? (await s_sandbox.GetJsonAsync($"{Site(app)}?{Api}"))["properties"]!["serverFarmId"]!.GetValue<string>() : Site(app);
        var metric = plan ? "CpuPercentage" : "HealthCheckStatus";
        var all = await s_sandbox.GetJsonAsync($"{resource}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames={metric}&aggregation=Average&$filter=Instance eq '*'");
        var byArmId = await s_sandbox.GetJsonAsync($"{resource}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames={metric}&aggregation=Average&$filter=Instance eq '{instances[0]}'");
        var byName = await s_sandbox.GetJsonAsync($"{resource}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames={metric}&aggregation=Average&$filter=Instance eq '{machineNames[1]}'");

        static string[] Names(JsonNode body) =>
            [.. body["value"]![0]!["timeseries"]!.AsArray().Select(s => s!["metadatavalues"]![0]!["value"]!.GetValue<string>())];
        Assert.IsTrue(machineNames.All(n => n.Length == 14 && n.StartsWith("RD", StringComparison.Ordinal)), string.Join(", ", machineNames));
        CollectionAssert.AreEquivalent(machineNames, Names(all));
        Assert.AreEqual(0, Names(byArmId).Length, "an ARM instance id is not a value of the Instance dimension");
        CollectionAssert.AreEqual(new[] { machineNames[1] }, Names(byName));
    }

    // The crash detector's table names instances as the metrics do (machine names; unconfirmed for Azure, see DetectorRoutes).
    [TestMethod]
    public async Task CrashDetector_InstanceColumn_MachineNames()
    {
        var instances = await s_sandbox.InstanceIdsAsync("contoso-crash");
        var machineNames = new List<string>();
        foreach (var instance in instances)
        {
            machineNames.Add((await s_sandbox.GetJsonAsync($"{Site("contoso-crash")}/instances/{instance}/processes/1?{Api}"))["properties"]!["machineName"]!.GetValue<string>());
        }

        var body = await s_sandbox.GetJsonAsync($"{Site("contoso-crash")}/detectors/sitecrashes?{Api}");
        var table = body["properties"]!["dataset"]![0]!["table"]!;
        var column = table["columns"]!.AsArray().Select(c => c!["columnName"]!.GetValue<string>()).ToList().IndexOf("Instance");
        var named = table["rows"]!.AsArray().Select(r => r![column]!.GetValue<string>()).Distinct().ToArray();

        Assert.IsTrue(named.Length > 0, "a crash-looping app has crash rows");
        CollectionAssert.IsSubsetOf(named, machineNames);
    }

    [TestMethod]
    public async Task Metrics_UnknownMetric_400LikeAzureMonitor()
    {
        using var response = await s_sandbox.Client().GetAsync($"{Site("contoso-shop")}/providers/Microsoft.Insights/metrics?{MetricsApi}&metricnames=MemoryWorkingSet,Nope");

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.AreEqual("BadRequest", error["code"]!.GetValue<string>());
        StringAssert.StartsWith(error["message"]!.GetValue<string>(), "Failed to find metric configuration for provider: Microsoft.Web, resource Type: sites, metric: Nope");
    }

    [TestMethod]
    public async Task ResourceHealth_HasTheShapeOfAvailabilityStatusGetByResource()
    {
        var example = Spec.Body("AvailabilityStatus_GetByResource.2024-02-01.json");

        var outage = await s_sandbox.GetJsonAsync($"{Site("contoso-outage")}/providers/Microsoft.ResourceHealth/availabilityStatuses/current?api-version=2024-02-01");
        var healthy = await s_sandbox.GetJsonAsync($"{Site("contoso-api")}/providers/Microsoft.ResourceHealth/availabilityStatuses/current?api-version=2024-02-01");
        var plan = await s_sandbox.GetJsonAsync($"{Plan("plan-outage-prod")}/providers/Microsoft.ResourceHealth/availabilityStatuses/current?api-version=2024-02-01");

        Spec.AssertSameShape(example, outage);
        Spec.AssertSameShape(example, healthy);
        Spec.AssertSameShape(example, plan);
        Assert.AreEqual("current", outage["name"]!.GetValue<string>());
        Assert.AreEqual("Microsoft.ResourceHealth/AvailabilityStatuses", outage["type"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Autoscale_HasTheShapeOfListAutoscaleSetting()
    {
        var example = Spec.Body("listAutoscaleSetting.2022-10-01.json");

        var list = await s_sandbox.GetJsonAsync($"/subscriptions/{Subscription}/providers/Microsoft.Insights/autoscalesettings?api-version=2022-10-01");

        Spec.AssertSameShape(example, list);
        var setting = list["value"]!.AsArray().Single()!;
        Assert.AreEqual("Microsoft.Insights/autoscaleSettings", setting["type"]!.GetValue<string>());
        Assert.AreEqual(Plan("plan-cpu-prod"), setting["properties"]!["targetResourceUri"]!.GetValue<string>());
        var capacity = setting["properties"]!["profiles"]![0]!["capacity"]!;
        Assert.AreEqual("2", capacity["minimum"]!.GetValue<string>());
        Assert.AreEqual("5", capacity["maximum"]!.GetValue<string>());
        Assert.AreEqual("2", capacity["default"]!.GetValue<string>());
        Assert.IsTrue(setting["properties"]!["enabled"]!.GetValue<bool>());
    }

    [TestMethod]
    public async Task Detectors_HaveTheShapeOfTheDiagnosticsExamples()
    {
        var listExample = Spec.Body("Diagnostics_ListSiteDetectorResponses.2025-05-01.json");
        listExample["nextLink"] = "string";
        var item = listExample["value"]![0]!;
        item["type"] = "Microsoft.Web/sites/detectors";
        AddDefinitionOnlyMetadata(item["properties"]!["metadata"]!);
        var example = Spec.Body("Diagnostics_GetSiteDetectorResponse_Slot.2025-05-01.json");
        example["type"] = "Microsoft.Web/sites/detectors";
        AddDefinitionOnlyMetadata(example["properties"]!["metadata"]!);
        example["properties"]!["status"] = new JsonObject { ["message"] = "text", ["statusId"] = "Critical" };
        example["properties"]!["dataset"]![0]!["renderingProperties"]!["type"] = "Table";

        var list = await s_sandbox.GetJsonAsync($"{Site("contoso-crash")}/detectors?{Api}");
        Spec.AssertSameShape(listExample, list);
        CollectionAssert.IsSubsetOf(new[] { "sitecrashes", "highcpuanalysis", "memoryusage" }, list["value"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToArray());
        foreach (var detector in new[] { "sitecrashes", "highcpuanalysis", "memoryusage" })
        {
            var body = await s_sandbox.GetJsonAsync($"{Site("contoso-crash")}/detectors/{detector}?{Api}&startTime=2020-01-01T00:00:00Z");
            Spec.AssertSameShape(example, body, detector);
        }
    }

    private static void AddDefinitionOnlyMetadata(JsonNode metadata)
    {
        metadata["id"] = "id";
        metadata["name"] = "name";
        metadata["type"] = "Detector";
    }

    private static JsonValueKind KindOf(string csharpType) => csharpType switch
    {
        "int" or "long" or "double" => JsonValueKind.Number,
        "bool" => JsonValueKind.True,
        "string" or "Uri" or "DateTime" or "TimeSpan" => JsonValueKind.String,
        _ when csharpType.StartsWith("IEnumerable", StringComparison.Ordinal) => JsonValueKind.Array,
        _ => JsonValueKind.Object,
    };
}
