using System.Text.Json.Nodes;
using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;

namespace AutoRemediate.Functions.Tests;

[TestClass]
public sealed class FunctionMetadataTests
{
    [TestMethod]
    [DataRow("health", "health", "get", "Anonymous")]
    [DataRow("alerts", "alerts", "post", "Function")]
    [DataRow("events", "events", "post,options", "Function")]
    [DataRow("incident", "incidents/{id}", "get", "Function")]
    [DataRow("incidents", "incidents", "get", "Function")]
    [DataRow("incidentExport", "incidents/{id}/export", "get", "Function")]
    [DataRow("decision", "incidents/{id}/decision", "post", "Function")]
    [DataRow("incidentCancel", "incidents/{id}/cancel", "post", "Function")]
    [DataRow("approvalLink", "approve/{token}", "get,post", "Anonymous")]
    [DataRow("incidentListPage", "ui/incidents", "get", "Anonymous")]
    [DataRow("incidentPage", "ui/incidents/{id}", "get", "Anonymous")]
    [DataRow("incidentPageExport", "ui/incidents/{id}/export", "get", "Anonymous")]
    [DataRow("pageSignIn", "ui/signin", "post", "Anonymous")]
    [DataRow("pageSignOut", "ui/signout", "get", "Anonymous")]
    public void HttpFunction_HasExpectedRouteMethodsAndAuthLevel(string name, string route, string methods, string authLevel)
    {
        var function = FunctionMetadata.Load().Single(f => f!["name"]!.GetValue<string>() == name)!;
        var trigger = FunctionMetadata.Trigger(function);

        Assert.AreEqual("httpTrigger", trigger["type"]!.GetValue<string>());
        Assert.AreEqual(route, trigger["route"]!.GetValue<string>());
        CollectionAssert.AreEquivalent(methods.Split(','), trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()).ToArray());
        Assert.AreEqual(authLevel, trigger["authLevel"]!.GetValue<string>());
        Assert.AreEqual("dotnet-isolated", function["language"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("alerts")]
    [DataRow("events")]
    [DataRow("decision")]
    [DataRow("incidentCancel")]
    [DataRow("incident")]
    [DataRow("approvalLink")]
    [DataRow("health")]
    public void HttpFunction_NeedingTheWorkflow_GetsADurableClient(string name)
    {
        var function = FunctionMetadata.Load().Single(f => f!["name"]!.GetValue<string>() == name)!;

        Assert.IsTrue(function["bindings"]!.AsArray().Any(b => b!["type"]!.GetValue<string>() == "durableClient"));
    }

    [TestMethod]
    public void RetentionFunction_RunsOnTheScheduleAppSetting_WithADurableClient()
    {
        var function = FunctionMetadata.Load().Single(f => f!["name"]!.GetValue<string>() == "retention")!;
        var trigger = FunctionMetadata.Trigger(function);

        Assert.AreEqual("timerTrigger", trigger["type"]!.GetValue<string>());
        // Resolved from the app setting Retention__Schedule by the host: never a schedule compiled in.
        Assert.AreEqual("%Retention:Schedule%", trigger["schedule"]!.GetValue<string>());
        Assert.IsTrue(function["bindings"]!.AsArray().Any(b => b!["type"]!.GetValue<string>() == "durableClient"));
    }

    [TestMethod]
    public void EveryFunction_IsOneWeExpect()
    {
        var expected = new Dictionary<string, string>
        {
            ["health"] = "httpTrigger",
            ["alerts"] = "httpTrigger",
            ["events"] = "httpTrigger",
            ["incident"] = "httpTrigger",
            ["incidents"] = "httpTrigger",
            ["incidentExport"] = "httpTrigger",
            ["incidentListPage"] = "httpTrigger",
            ["incidentPage"] = "httpTrigger",
            ["pageSignIn"] = "httpTrigger",
            ["incidentPageExport"] = "httpTrigger",
            ["pageSignOut"] = "httpTrigger",
            [OrchestrationNames.Remediation] = "orchestrationTrigger",
            [OrchestrationNames.Verification] = "orchestrationTrigger",
            [ActivityNames.OpenIncident] = "activityTrigger",
            [ActivityNames.CollectSiteSnapshot] = "activityTrigger",
            [ActivityNames.RecordTimeline] = "activityTrigger",
            [ActivityNames.CloseIncident] = "activityTrigger",
            ["decision"] = "httpTrigger",
            ["incidentCancel"] = "httpTrigger",
            ["approvalLink"] = "httpTrigger",
            [ActivityNames.SetStatus] = "activityTrigger",
            [ActivityNames.CheckPlatform] = "activityTrigger",
            [ActivityNames.CollectPlan] = "activityTrigger",
            [ActivityNames.CollectInstances] = "activityTrigger",
            [ActivityNames.CollectProcesses] = "activityTrigger",
            [ActivityNames.CollectMetrics] = "activityTrigger",
            [ActivityNames.CollectDetectors] = "activityTrigger",
            [ActivityNames.Diagnose] = "activityTrigger",
            [ActivityNames.BeginIncident] = "activityTrigger",
            [ActivityNames.Assess] = "activityTrigger",
            [ActivityNames.CheckHealth] = "activityTrigger",
            [ActivityNames.CaptureDump] = "activityTrigger",
            [ActivityNames.DecidePlan] = "activityTrigger",
            [ActivityNames.RequestApproval] = "activityTrigger",
            [ActivityNames.EndApproval] = "activityTrigger",
            [ActivityNames.ExecuteAction] = "activityTrigger",
            [ActivityNames.FinishActions] = "activityTrigger",
            [ActivityNames.ExpireApproval] = "activityTrigger",
            [ActivityNames.EscalateAfterError] = "activityTrigger",
            [ActivityNames.NotifyApprovers] = "activityTrigger",
            [ActivityNames.NotifyOutcome] = "activityTrigger",
            ["retention"] = "timerTrigger",
        };

        var actual = FunctionMetadata.Load().ToDictionary(f => f!["name"]!.GetValue<string>(), f => FunctionMetadata.Trigger(f!)["type"]!.GetValue<string>());

        CollectionAssert.AreEquivalent(expected.ToArray(), actual.ToArray());
    }

    [TestMethod]
    public void OrchestrationsAndActivities_MatchTheDurableTaskSdkRegistration()
    {
        var registry = new DurableTaskRegistry().AddRemediationWorkflow();

        CollectionAssert.AreEqual(
            registry.GetOrchestrators().Select(k => k.Key.Name).Order(StringComparer.Ordinal).ToArray(),
            FunctionMetadata.NamesWithTrigger("orchestrationTrigger"));
        CollectionAssert.AreEqual(
            registry.GetActivities().Select(k => k.Key.Name).Order(StringComparer.Ordinal).ToArray(),
            FunctionMetadata.NamesWithTrigger("activityTrigger"));
    }

    [TestMethod]
    public void HostJson_ShippedWithTheAppIsTheRepositoryRoot()
    {
        var shipped = File.ReadAllText(Path.Combine(FunctionMetadata.OutputDirectory, "host.json"));
        var root = File.ReadAllText(Path.Combine(FunctionMetadata.OutputDirectory, "..", "..", "..", "..", "..", "host.json"));

        Assert.AreEqual(root, shipped);
        var host = JsonNode.Parse(shipped)!;
        Assert.AreEqual("2.0", host["version"]!.GetValue<string>());
        Assert.AreEqual("api", host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
        Assert.MatchesRegex("^[A-Za-z][A-Za-z0-9]*$", host["extensions"]!["durableTask"]!["hubName"]!.GetValue<string>());
    }

    [TestMethod]
    public void HostJson_FunctionTimeout_OutlastsTheLongestActivityTheOptionsAllow()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(FunctionMetadata.OutputDirectory, "host.json")))!;
        var functionTimeout = TimeSpan.Parse(host["functionTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        // The longest activities: a dump, bounded by Evidence:DumpTimeBudget, and a scale, bounded by
        // Azure:LongRunningOperationTimeout after its PATCH. Around either wait come ARM calls with
        // Azure.Core's retries (4 tries of up to 100 s each, with back-off): allow 20 minutes for them.
        var dump = MaximumOf(typeof(EvidenceOptions), nameof(EvidenceOptions.DumpTimeBudget));
        var scale = MaximumOf(typeof(AzureOptions), nameof(AzureOptions.LongRunningOperationTimeout));
        var longest = (dump > scale ? dump : scale) + TimeSpan.FromMinutes(20);

        Assert.IsGreaterThan(longest, functionTimeout, $"functionTimeout {functionTimeout} would kill an activity the options allow to run {longest}");
    }

    [TestMethod]
    public void HostJson_Logging_KeepsSuccessfulInvocationsForTheRequestsTable()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(FunctionMetadata.OutputDirectory, "host.json")))!;
        var level = host["logging"]!["logLevel"]!["Host.Results"]?.GetValue<string>() ?? host["logging"]!["logLevel"]!["default"]!.GetValue<string>();

        // Host.Results at Information is what Application Insights turns into its requests table.
        Assert.IsTrue(level is "Trace" or "Debug" or "Information", $"Host.Results is {level}: successful invocations would be dropped");
    }

    private static TimeSpan MaximumOf(Type options, string property)
    {
        var range = (System.ComponentModel.DataAnnotations.RangeAttribute)options.GetProperty(property)!
            .GetCustomAttributes(typeof(System.ComponentModel.DataAnnotations.RangeAttribute), inherit: false).Single();
        return TimeSpan.Parse((string)range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
    }
}
