using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Alerts;
using AutoRemediate.Testing;

namespace AutoRemediate.Core.Tests.Alerts;

[TestClass]
public sealed class CommonAlertSchemaParserTests
{
    private static AlertParseResult Parse(JsonNode node) => CommonAlertSchemaParser.Parse(Encoding.UTF8.GetBytes(node.ToJsonString()));

    private static AlertParseResult Parse(string text) => CommonAlertSchemaParser.Parse(Encoding.UTF8.GetBytes(text));

    [TestMethod]
    public void Parse_PublicMetricSample_ReadsEssentials()
    {
        var result = Parse(Samples.Shared("alerts/testaction.metric-static.json"));

        Assert.IsTrue(result.IsValid, string.Join("; ", result.Errors));
        var signal = result.Signal!;
        Assert.AreEqual("/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/providers/Microsoft.AlertsManagement/alerts/eeeeeeee-4444-5555-6666-ffffffffffff", signal.AlertId);
        Assert.AreEqual("test-metricAlertRule", signal.AlertRule);
        Assert.AreEqual("Sev4", signal.Severity);
        Assert.AreEqual("Metric", signal.SignalType);
        Assert.AreEqual(MonitorCondition.Fired, signal.MonitorCondition);
        Assert.AreEqual("Platform", signal.MonitoringService);
        CollectionAssert.AreEqual(new[] { "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.storage/storageaccounts/test-storageAccount" }, signal.TargetResourceIds.ToArray());
        Assert.AreEqual(new DateTimeOffset(2025, 4, 15, 18, 17, 12, 851, TimeSpan.Zero), signal.FiredAt);
        Assert.IsNull(signal.ResolvedAt);
    }

    [TestMethod]
    [DataRow("alerts/testaction.log-v2.json")]
    [DataRow("alerts/testaction.resource-health.json")]
    public void Parse_OtherPublicCommonSchemaSamples_AreValid(string sample)
    {
        var result = Parse(Samples.Shared(sample));

        Assert.IsTrue(result.IsValid, string.Join("; ", result.Errors));
        Assert.IsNotEmpty(result.Signal!.TargetResourceIds);
    }

    [TestMethod]
    public void Parse_LegacyMetricSchema_AsksToEnableCommonSchema()
    {
        var result = Parse(Samples.Shared("alerts/noncommon.metric-static.AzureMonitorMetricAlert.json"));

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual("schemaId", result.Errors[0].Field);
        StringAssert.Contains(result.Errors[0].Message, "Enable the common alert schema");
        StringAssert.Contains(result.Errors[0].Message, "AzureMonitorMetricAlert");
    }

    [TestMethod]
    [DataRow("", "$", "empty")]
    [DataRow("{not json", "$", "Not valid JSON")]
    [DataRow("[]", "$", "Expected an object")]
    [DataRow("{\"schemaId\":\"azureMonitorCommonAlertSchema\"}", "data", "missing")]
    [DataRow("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":{}}", "data.essentials", "missing")]
    [DataRow("{\"data\":{}}", "schemaId", "Missing 'schemaId'")]
    public void Parse_BrokenEnvelope_NamesTheProblem(string body, string field, string message)
    {
        var result = Parse(body);

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual(field, result.Errors[0].Field);
        StringAssert.Contains(result.Errors[0].Message + result.Title, message);
    }

    [TestMethod]
    [DataRow("alertId", null, "Required field is missing")]
    [DataRow("alertRule", 42, "Expected a string")]
    [DataRow("alertId", "alert\u0007with-a-bell", "control characters")]
    [DataRow("monitoringService", "", "Required field is empty")]
    [DataRow("severity", "Sev9", "not a severity")]
    [DataRow("monitorCondition", "Exploded", "not a monitor condition")]
    [DataRow("firedDateTime", "yesterday", "not an ISO 8601")]
    [DataRow("signalType", 42, "Expected a string")]
    public void Parse_BadEssential_NamesTheField(string name, object? value, string message)
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        var essentials = alert["data"]!["essentials"]!.AsObject();
        if (value is null)
        {
            essentials.Remove(name);
        }
        else
        {
            essentials[name] = JsonValue.Create(value);
        }

        var result = Parse(alert);

        Assert.IsFalse(result.IsValid);
        var error = result.Errors.Single();
        Assert.AreEqual("data.essentials." + name, error.Field);
        StringAssert.Contains(error.Message, message);
    }

    [TestMethod]
    public void Parse_AlertRuleOf200KB_400NamesTheFieldAndTheLimit()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertRule"] = new string('r', 200 * 1024);

        var result = Parse(alert);

        Assert.IsFalse(result.IsValid);
        var error = result.Errors.Single();
        Assert.AreEqual("data.essentials.alertRule", error.Field);
        StringAssert.Contains(error.Message, "Longer than 1,024 characters");
    }

    [TestMethod]
    [DataRow(42, DisplayName = "a number")]
    [DataRow("", DisplayName = "empty")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555\u0000", DisplayName = "a NUL")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555\n", DisplayName = "a trailing newline")]
    public void Parse_TargetThatIsNotIdText_NamesTheIndex(object target)
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray(Samples.ShopSiteId, JsonValue.Create(target));

        var result = Parse(alert);

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual("data.essentials.alertTargetIDs[1]", result.Errors.Single().Field);
    }

    [TestMethod]
    public void Parse_TargetOverTheLengthLimit_NamesTheIndex()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray(Samples.ShopSiteId + new string('x', 1100));

        var result = Parse(alert);

        StringAssert.Contains(result.Errors.Single().Message, "Longer than 1,024");
    }

    [TestMethod]
    [DataRow("not-a-resource-id")]
    [DataRow("/subscriptions/")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1")]
    public void Parse_TargetThatIsNotAnAppServiceId_ParsedForTheIngestorToIgnore(string target)
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray(target);

        var result = Parse(alert);

        Assert.IsTrue(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Message)));
        CollectionAssert.AreEqual(new[] { target }, result.Signal!.TargetResourceIds.ToArray());
    }

    [TestMethod]
    public void Parse_TwentyOneTargets_400NamesTheLimit()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray([.. Enumerable.Range(0, 21).Select(i => JsonValue.Create(Samples.ShopSiteId + i))]);

        var result = Parse(alert);

        Assert.IsFalse(result.IsValid);
        StringAssert.Contains(result.Errors.Single().Message, "21 targets; at most 20");
        StringAssert.Contains(result.Errors.Single().Message, "Ingest:MaxTargetsPerAlert");
    }

    [TestMethod]
    public void Parse_NoTargets_IgnoredWithReason()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertTargetIDs"] = new JsonArray();

        var result = Parse(alert);

        Assert.IsFalse(result.IsValid);
        Assert.IsEmpty(result.Errors);
        StringAssert.Contains(result.IgnoredReason, "names no alertTargetIDs");
    }

    [TestMethod]
    public void Parse_BudgetTestNotificationWithNullRuleSeverityAndTargets_IgnoredNotRefused()
    {
        // Shaped as the action group's test notification for a budget alert arrives: a common-schema
        // envelope from monitoringService CostAlerts whose alertRule, severity and targets are null.
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        var essentials = alert["data"]!["essentials"]!.AsObject();
        essentials["monitoringService"] = "CostAlerts";
        essentials["alertRule"] = null;
        essentials["severity"] = null;
        essentials["alertTargetIDs"] = null;
        alert["data"]!["alertContext"] = new JsonObject();

        var result = Parse(alert);

        Assert.IsFalse(result.IsValid);
        Assert.IsEmpty(result.Errors);
        Assert.IsTrue(result.IsIgnored);
        StringAssert.Contains(result.IgnoredReason, "CostAlerts alert names no alertRule, severity, alertTargetIDs");
    }

    [TestMethod]
    public void Parse_DescriptionWithControlCharactersAndOverTheCap_CleanedAndCut()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["description"] = "line one\u0000\u001b[31m" + new string('d', 10_000);

        var result = Parse(alert);

        var description = result.Signal!.Description!;
        Assert.IsFalse(description.Any(char.IsControl), description[..40]);
        Assert.AreEqual(AlertContextParser.MaxText + 1, description.Length);
        Assert.EndsWith("…", description);
    }

    [TestMethod]
    public void Parse_SeveralProblems_ReportsAll()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        var essentials = alert["data"]!["essentials"]!.AsObject();
        essentials.Remove("alertId");
        essentials["severity"] = "high";

        var result = Parse(alert);

        CollectionAssert.AreEquivalent(new[] { "data.essentials.alertId", "data.essentials.severity" }, result.Errors.Select(e => e.Field).ToArray());
    }

    [TestMethod]
    public void Parse_ResolvedNotification_ReadsResolvedTime()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["monitorCondition"] = "Resolved";
        alert["data"]!["essentials"]!["resolvedDateTime"] = "2025-04-15T18:27:12Z";

        var signal = Parse(alert).Signal!;

        Assert.AreEqual(MonitorCondition.Resolved, signal.MonitorCondition);
        Assert.AreEqual(new DateTimeOffset(2025, 4, 15, 18, 27, 12, TimeSpan.Zero), signal.ResolvedAt);
    }

    [TestMethod]
    public void Parse_ContextWithHugeKeysValuesAndControlCharacters_KeptCleanedAndCapped()
    {
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        var properties = new JsonObject { [new string('k', 5000)] = "v\u0000" + new string('v', 5000), ["ok"] = "fine" };
        alert["data"]!["customProperties"] = properties;
        alert["data"]!["alertContext"]!["condition"]!["allOf"]![0]!["metricName"] = "Memory\u001bWorkingSet";

        var signal = Parse(alert).Signal!;

        var all = signal.CustomProperties!.SelectMany(p => new[] { p.Key, p.Value }).Append(signal.Conditions![0].MetricName!).ToList();
        Assert.IsFalse(all.Any(t => t.Any(char.IsControl)));
        Assert.IsTrue(signal.CustomProperties!.Keys.All(k => k.Length <= AlertContextParser.MaxKey + 1));
        Assert.IsTrue(signal.CustomProperties!.Values.All(v => v.Length <= AlertContextParser.MaxText + 1));
        Assert.AreEqual("fine", signal.CustomProperties!["ok"]);
    }
}
