using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Alerts;
using AutoRemediate.Testing;

namespace AutoRemediate.Core.Tests.Alerts;

/// <summary>Every signal type Azure Monitor sends, from public sample payloads, read into one AlertSignal.</summary>
[TestClass]
public sealed class AlertSignalKindsTests
{
    private static AlertSignal Parse(JsonNode payload)
    {
        var result = CommonAlertSchemaParser.Parse(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        Assert.IsTrue(result.IsValid, string.Join("; ", result.Errors));
        return result.Signal!;
    }

    private static JsonNode Local(string name) => Samples.Local("alerts/" + name);

    [TestMethod]
    public void EveryPublicCommonSchemaSample_ParsesWithEssentials()
    {
        var names = new List<string>();
        foreach (var (name, payload) in Samples.CommonAlerts())
        {
            var result = CommonAlertSchemaParser.Parse(Encoding.UTF8.GetBytes(payload.ToJsonString()));
            Assert.IsTrue(result.IsValid, $"{name}: {string.Join("; ", result.Errors)}");
            Assert.IsNotEmpty(result.Signal!.TargetResourceIds, name);
            names.Add(name);
        }

        Assert.IsGreaterThanOrEqualTo(15, names.Count, string.Join(", ", names));
    }

    [TestMethod]
    [DataRow("common.metric-static.json", SignalKind.MetricStatic)]
    [DataRow("common.metric-static.resolved.json", SignalKind.MetricStatic)]
    [DataRow("common.metric-dynamic.json", SignalKind.MetricDynamic)]
    [DataRow("common.log-v1-loganalytics.json", SignalKind.LogSearch)]
    [DataRow("common.log-v1-loganalytics.numresults.json", SignalKind.LogSearch)]
    [DataRow("common.log-v2.json", SignalKind.LogSearch)]
    [DataRow("common.log-v2.resource-dimension.json", SignalKind.LogSearch)]
    [DataRow("common.activitylog-administrative.json", SignalKind.ActivityLog)]
    [DataRow("common.activitylog-resourcehealth.json", SignalKind.ResourceHealth)]
    [DataRow("common.activitylog-servicehealth.json", SignalKind.ServiceHealth)]
    [DataRow("common.activitylog-servicehealth.v2025.json", SignalKind.ServiceHealth)]
    [DataRow("common.smart-detection.json", SignalKind.SmartDetection)]
    [DataRow("common.prometheus.json", SignalKind.Prometheus)]
    public void Parse_Sample_ClassifiesSignalKind(string sample, SignalKind kind)
    {
        Assert.AreEqual(kind, Parse(Local(sample)).Kind);
    }

    [TestMethod]
    public void Parse_StaticMetric_ReadsCriterionWindowAndCustomProperties()
    {
        var signal = Parse(Local("common.metric-static.json"));

        var c = signal.Conditions!.Single();
        Assert.AreEqual("Transactions", c.MetricName);
        Assert.AreEqual("Microsoft.Storage/storageAccounts", c.MetricNamespace);
        Assert.AreEqual("GreaterThan", c.Operator);
        Assert.AreEqual("0", c.Threshold);
        Assert.AreEqual(100d, c.ObservedValue);
        Assert.AreEqual("Total", c.TimeAggregation);
        Assert.AreEqual("GetBlob", c.Dimensions!["ApiName"]);
        Assert.AreEqual(TimeSpan.FromMinutes(5), signal.Window!.Size);
        Assert.AreEqual("value1", signal.CustomProperties!["customKey1"]);
    }

    [TestMethod]
    public void Parse_DynamicMetric_ReadsSensitivityAndComputedThreshold()
    {
        var c = Parse(Local("common.metric-dynamic.json")).Conditions!.Single();

        Assert.AreEqual("Low", c.Sensitivity);
        Assert.AreEqual("0.3", c.Threshold);
        Assert.AreEqual(78.09, c.ObservedValue);
    }

    [TestMethod]
    public void Parse_SeveralCriteria_KeepsEach()
    {
        var alert = Local("common.metric-static.json");
        var allOf = alert["data"]!["alertContext"]!["condition"]!["allOf"]!.AsArray();
        var second = JsonNode.Parse(allOf[0]!.ToJsonString())!;
        second["metricName"] = "Http5xx";
        second["metricValue"] = 42;
        allOf.Add(second);

        var conditions = Parse(alert).Conditions!;

        CollectionAssert.AreEqual(new[] { "Transactions", "Http5xx" }, conditions.Select(c => c.MetricName).ToArray());
        Assert.AreEqual(42d, conditions[1].ObservedValue);
    }

    [TestMethod]
    public void Parse_LogV1_ReadsQueryResultCountAndLinks()
    {
        var signal = Parse(Local("common.log-v1-loganalytics.json"));

        StringAssert.StartsWith(signal.Log!.Query, "Heartbeat");
        Assert.AreEqual(2d, signal.Log.ResultCount);
        StringAssert.StartsWith(signal.Log.LinkToResults, "https://portal.azure.com");
        Assert.IsNotNull(signal.Log.LinkToFilteredResults);
        Assert.AreEqual("1.1", signal.AlertContextVersion);
    }

    [TestMethod]
    public void Parse_LogV2_ReadsQueryMeasuredValueAndLinks()
    {
        var signal = Parse(Local("common.log-v2.json"));

        Assert.AreEqual("Heartbeat", signal.Log!.Query);
        Assert.AreEqual(3d, signal.Log.ResultCount);
        StringAssert.StartsWith(signal.Log.LinkToResults, "https://portal.azure.com");
        Assert.AreEqual(TimeSpan.FromHours(1), signal.Window!.Size);
        Assert.AreEqual("test-computer", signal.Conditions!.Single().Dimensions!["Computer"]);
    }

    [TestMethod]
    public void Parse_ResourceHealth_ReadsStatusesAndCause()
    {
        var signal = Parse(Local("common.activitylog-resourcehealth.json"));

        Assert.AreEqual("Unavailable", signal.Health!.CurrentHealthStatus);
        Assert.AreEqual("Available", signal.Health.PreviousHealthStatus);
        Assert.AreEqual("UserInitiated", signal.Health.Cause);
        Assert.IsFalse(signal.Health.IsPlatformInitiated);
        Assert.AreEqual("Microsoft.Resourcehealth/healthevent/Activated/action", signal.Activity!.OperationName);
    }

    [TestMethod]
    public void Parse_ServiceHealth_ReadsTitleAndRegionWithNumericEnums()
    {
        var signal = Parse(Local("common.activitylog-servicehealth.json"));

        StringAssert.Contains(signal.Activity!.Title, "Service Health");
        Assert.AreEqual("Global", signal.Activity.Region);
        Assert.AreEqual("3", signal.Activity.Level);
    }

    [TestMethod]
    public void Parse_AdministrativeActivity_ReadsOperationAndCaller()
    {
        var activity = Parse(Local("common.activitylog-administrative.json")).Activity!;

        Assert.AreEqual("Microsoft.Compute/virtualMachines/restart/action", activity.OperationName);
        Assert.AreEqual("user@contoso.com", activity.Caller);
    }

    [TestMethod]
    [DataRow("common.smart-detection.json", "degradation in the dependency duration")]
    [DataRow("common.prometheus.json", "Average node CPU utilization")]
    public void Parse_DetectorsAndPrometheus_HaveAHumanSummary(string sample, string expected)
    {
        StringAssert.Contains(Parse(Local(sample)).Summary, expected);
    }

    [TestMethod]
    public void Parse_HugeQuery_IsCappedToKeepHistorySmall()
    {
        var alert = Local("common.log-v1-loganalytics.json");
        alert["data"]!["alertContext"]!["SearchQuery"] = new string('q', 100_000);

        var signal = Parse(alert);

        Assert.IsLessThanOrEqualTo(AlertContextParser.MaxText + 1, signal.Log!.Query!.Length);
    }

    [TestMethod]
    public void Parse_ContextOfUnexpectedShape_StillAcceptedOnEssentials()
    {
        var alert = Local("common.metric-static.json");
        alert["data"]!["alertContext"]!["condition"] = "surprise";

        var signal = Parse(alert);

        Assert.IsNull(signal.Conditions);
        Assert.AreEqual("test-metricAlertRule", signal.AlertRule);
    }

    [TestMethod]
    [DataRow("legacy.metric.json")]
    [DataRow("legacy.metric-dynamic.json")]
    [DataRow("legacy.activitylog.json")]
    [DataRow("legacy.activitylog-resourcehealth.json")]
    [DataRow("legacy.activitylog-servicehealth.json")]
    [DataRow("legacy.activitylog-security.json")]
    [DataRow("legacy.log-analytics.json")]
    [DataRow("legacy.app-insights-log.json")]
    [DataRow("legacy.smart-detection.json")]
    public void Parse_OlderNonCommonSchema_AsksToEnableTheCommonSchema(string sample)
    {
        var result = CommonAlertSchemaParser.Parse(Encoding.UTF8.GetBytes(Local(sample).ToJsonString()));

        Assert.IsFalse(result.IsValid);
        StringAssert.Contains(result.Errors.Single().Message, "Enable the common alert schema on the action group");
    }
}
