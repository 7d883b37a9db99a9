using System.Diagnostics;
using System.Reflection;
using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Infra.Tests;

/// <summary>
/// What `azd up` wires beyond the app itself (issue 14: alerts, least privilege, storage hygiene, lint):
/// the built ARM template, the azd hooks, and the hook script run against a stand-in `az`.
/// Linux only, like the Bicep CLI package the project restores (linux-x64) and the `sh` hook it runs.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed partial class DeploymentTests
{
    // Every route fragment and call the ARM clients in src/AutoRemediate.Core/Azure make, and the actions
    // ARM checks for it (Microsoft.Web / Insights / ResourceHealth / AlertsManagement operations). A slot
    // id is a site id too (ArmIds.Site allows slots), so the site actions come with their slot twins.
    private static readonly Dictionary<string, string[]> s_routeActions = new(StringComparer.Ordinal)
    {
        ["ArmIds.Site("] = ["Microsoft.Web/sites/read", "Microsoft.Web/sites/slots/read"],
        ["/slots"] = ["Microsoft.Web/sites/slots/read"],
        ["/config/web"] = ["Microsoft.Web/sites/config/read", "Microsoft.Web/sites/slots/config/read"],
        ["/instances"] = ["Microsoft.Web/sites/instances/read", "Microsoft.Web/sites/slots/instances/read"],
        ["/instances/"] = ["Microsoft.Web/sites/instances/read", "Microsoft.Web/sites/slots/instances/read"],
        ["/processes"] = ["Microsoft.Web/sites/instances/processes/read", "Microsoft.Web/sites/slots/instances/processes/read"],
        ["/dump"] = ["Microsoft.Web/sites/instances/processes/*/read", "Microsoft.Web/sites/slots/instances/processes/*/read"],
        ["RequestMethod.Delete"] = ["Microsoft.Web/sites/instances/processes/delete", "Microsoft.Web/sites/slots/instances/processes/delete"],
        ["/restart"] = ["Microsoft.Web/sites/restart/action", "Microsoft.Web/sites/slots/restart/action"],
        ["RequestMethod.Post"] = ["Microsoft.Web/sites/restart/action", "Microsoft.Web/sites/slots/restart/action"],
        ["/detectors"] = ["Microsoft.Web/sites/detectors/read", "Microsoft.Web/sites/slots/detectors/read"],
        ["/detectors/"] = ["Microsoft.Web/sites/detectors/read", "Microsoft.Web/sites/slots/detectors/read"],
        ["ArmIds.Plan("] = ["Microsoft.Web/serverfarms/read"],
        ["/sites"] = ["Microsoft.Web/serverfarms/sites/read"],
        ["RequestMethod.Patch"] = ["Microsoft.Web/serverfarms/write"],
        ["WaitForCompletionAsync("] = ["Microsoft.Web/serverfarms/operationresults/read"],
        ["/providers/Microsoft.Insights/metrics"] = ["Microsoft.Insights/metrics/read"],
        ["providers/Microsoft.Insights/metrics"] = ["Microsoft.Insights/metrics/read"],
        ["providers/Microsoft.Insights/autoscalesettings"] = ["Microsoft.Insights/autoscalesettings/read"],
        ["/providers/Microsoft.ResourceHealth/availabilityStatuses/current"] = ["Microsoft.ResourceHealth/availabilityStatuses/read"],
        ["providers/Microsoft.ResourceHealth/availabilityStatuses"] = ["Microsoft.ResourceHealth/availabilityStatuses/read"],
        ["providers/Microsoft.AlertsManagement/alerts"] = ["Microsoft.AlertsManagement/alerts/read"],
    };

    // Flex Consumption regions (Azure-Samples/durable-functions-quickstart-dotnet-azd infra/main.bicep, without the eastus2euap canary).
    private static readonly string[] s_flexRegions =
    [
        "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus",
        "eastus2", "francecentral", "germanywestcentral", "italynorth", "japaneast", "koreacentral", "northcentralus", "northeurope",
        "norwayeast", "southafricanorth", "southcentralus", "southeastasia", "southindia", "spaincentral", "swedencentral", "uaenorth",
        "uksouth", "ukwest", "westcentralus", "westeurope", "westus", "westus2", "westus3",
    ];

    private const string FakeKey = "Kq1+x/Zy9w==";

    // One build for the whole class: the Bicep CLI takes 10-20 s a run on the shared build machine.
    private static readonly Lazy<(int ExitCode, string Output, string Errors)> s_mainBuild = new(() => Bicep("build", "infra/main.bicep", "--stdout"));

    private static string Root => typeof(DeploymentTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static JsonNode MainTemplate()
    {
        var (exitCode, output, errors) = s_mainBuild.Value;
        Assert.AreEqual(0, exitCode, errors);
        return JsonNode.Parse(output)!;
    }

    private static JsonObject Module(string name) =>
        MainTemplate()["resources"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]!.GetValue<string>() == name)!["properties"]!["template"]!.AsObject();

    // Templates with typed parameters are languageVersion 2.0, whose resources are an object keyed by symbolic name.
    private static IEnumerable<JsonNode> Resources(JsonObject template, string type) =>
        (template["resources"] is JsonObject named ? named.Select(p => p.Value!) : template["resources"]!.AsArray().Select(r => r!))
            .Where(r => string.Equals(r["type"]!.GetValue<string>(), type, StringComparison.OrdinalIgnoreCase));

    [TestMethod]
    public void MainBicep_BuildsUnderTheBicepConfig_WithZeroDiagnostics()
    {
        var (exitCode, _, errors) = s_mainBuild.Value;

        Assert.AreEqual(0, exitCode, errors);
        Assert.AreEqual(string.Empty, errors.Trim(), "bicep build printed diagnostics");
    }

    [TestMethod]
    public void BicepConfig_TurnsTheUsefulLinterRulesToErrors_AndTheyApplyToInfra()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "infra", "bicepconfig.json")), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        var rules = config["analyzers"]!["core"]!["rules"]!.AsObject();
        foreach (var rule in new[] { "no-unused-params", "no-unused-vars", "secure-secrets-in-params", "outputs-should-not-contain-secrets", "use-secure-value-for-secure-inputs", "no-hardcoded-env-urls", "prefer-interpolation" })
        {
            Assert.AreEqual("error", rules[rule]?["level"]?.GetValue<string>(), $"{rule} is not an error");
        }

        // The config is picked up for files under infra/: an unused parameter fails the build.
        var probe = Path.Combine(Root, "infra", $"lint-probe-{Guid.NewGuid():N}.bicep");
        File.WriteAllText(probe, "param unused string\n");
        try
        {
            var (exitCode, _, errors) = Bicep("build", probe, "--stdout");
            Assert.AreNotEqual(0, exitCode);
            StringAssert.Contains(errors, "no-unused-params");
        }
        finally
        {
            File.Delete(probe);
        }
    }

    [TestMethod]
    public void RemediatorRole_HasExactlyTheActionsOfTheArmRoutesCoreCalls()
    {
        var sources = Directory.GetFiles(Path.Combine(Root, "src", "AutoRemediate.Core", "Azure"), "*.cs")
            .Select(f => (File: Path.GetFileName(f), Text: File.ReadAllText(f).Replace("\\", string.Empty, StringComparison.Ordinal)))
            .ToArray();
        var found = sources.SelectMany(s => RouteLiteral().Matches(s.Text).Select(m => (s.File, Token: m.Groups[1].Value))
                .Concat(ProviderRoute().Matches(s.Text).Select(m => (s.File, Token: m.Value)))
                .Concat(ArmCall().Matches(s.Text).Select(m => (s.File, Token: m.Value))))
            .Distinct()
            .ToArray();

        Assert.IsNotEmpty(found);
        foreach (var (file, token) in found)
        {
            Assert.IsTrue(s_routeActions.ContainsKey(token), $"{file} calls '{token}', which this test does not map to an ARM action: add the action to infra/app/role.bicep and the mapping here.");
        }

        foreach (var token in s_routeActions.Keys)
        {
            Assert.IsTrue(found.Any(f => f.Token == token), $"'{token}' is no longer called by Core: drop it (and its actions, if nothing else needs them) from the map and infra/app/role.bicep.");
        }

        var expected = found.SelectMany(f => s_routeActions[f.Token]).ToHashSet(StringComparer.Ordinal);
        var role = Module("role");
        var definition = Resources(role, "Microsoft.Authorization/roleDefinitions").Single();
        Assert.AreEqual("[variables('actions')]", definition["properties"]!["permissions"]![0]!["actions"]!.GetValue<string>());
        var actions = role["variables"]!["actions"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray();

        Assert.HasCount(actions.Length, actions.ToHashSet(StringComparer.Ordinal), "the role lists an action twice");
        var missing = expected.Except(actions, StringComparer.Ordinal).ToArray();
        var extra = actions.Except(expected, StringComparer.Ordinal).ToArray();
        Assert.IsEmpty(missing, $"Core calls routes whose actions infra/app/role.bicep lacks: {string.Join(", ", missing)}");
        Assert.IsEmpty(extra, $"infra/app/role.bicep grants actions no Core route needs: {string.Join(", ", extra)}");
        Assert.IsEmpty(definition["properties"]!["permissions"]![0]!["dataActions"]!.AsArray(), "the pipeline needs no data actions on target apps");
    }

    [TestMethod]
    public void RemediatorRole_IsAssignedToThePipelineIdentity_OnEachTargetResourceGroup()
    {
        var main = MainTemplate();
        Assert.AreEqual("array", main["parameters"]!["targetResourceGroups"]!["type"]!.GetValue<string>());
        Assert.IsEmpty(main["parameters"]!["targetResourceGroups"]!["defaultValue"]!.AsArray());

        var assignments = main["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>().StartsWith("[format('role-{0}'", StringComparison.Ordinal))!;
        Assert.AreEqual("[length(parameters('targetResourceGroups'))]", assignments["copy"]!["count"]!.GetValue<string>());
        Assert.AreEqual("[split(parameters('targetResourceGroups')[copyIndex()], '/')[2]]", assignments["subscriptionId"]!.GetValue<string>());
        Assert.AreEqual("[split(parameters('targetResourceGroups')[copyIndex()], '/')[4]]", assignments["resourceGroup"]!.GetValue<string>());
        var inner = assignments["properties"]!["template"]!.AsObject();
        var assignment = Resources(inner, "Microsoft.Authorization/roleAssignments").Single();
        Assert.AreEqual("ServicePrincipal", assignment["properties"]!["principalType"]!.GetValue<string>());
        StringAssert.EndsWith(assignments["properties"]!["parameters"]!["principalId"]!["value"]!.GetValue<string>(), "'api'), '2025-04-01').outputs.identityPrincipalId.value]");
        StringAssert.EndsWith(assignments["properties"]!["parameters"]!["roleDefinitionId"]!["value"]!.GetValue<string>(), "'role'), '2025-04-01').outputs.roleDefinitionId.value]");
    }

    [TestMethod]
    public void DeployingPrincipal_GetsNoStandingReadOfDumps_AndItsTypeIsAParameter()
    {
        var main = MainTemplate();
        var principalType = main["parameters"]!["principalType"]!;
        Assert.AreEqual("User", principalType["defaultValue"]!.GetValue<string>());
        CollectionAssert.AreEquivalent(new[] { "User", "ServicePrincipal" }, principalType["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());

        var rbac = Module("rbac");
        var variables = rbac["variables"]!;
        var userAssignments = Resources(rbac, "Microsoft.Authorization/roleAssignments")
            .Where(r => r["properties"]!["principalId"]!.GetValue<string>() == "[parameters('userPrincipalId')]")
            .ToArray();
        Assert.HasCount(2, userAssignments);
        foreach (var assignment in userAssignments)
        {
            Assert.AreEqual("[parameters('userPrincipalType')]", assignment["properties"]!["principalType"]!.GetValue<string>());
        }

        // Unconditioned: the queue and table roles only (no blob role of any kind).
        var loop = userAssignments.Single(a => a["copy"] is not null);
        StringAssert.Contains(loop["properties"]!["roleDefinitionId"]!.GetValue<string>(), "variables('userStorageRoles')");
        CollectionAssert.AreEquivalent(
            new[] { "[variables('storageQueueDataContributor')]", "[variables('storageTableDataContributor')]" },
            variables["userStorageRoles"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());

        // Blob data for local debugging, with a condition that refuses blob reads in the dumps container.
        var blobs = userAssignments.Single(a => a["copy"] is null)["properties"]!;
        Assert.AreEqual("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('storageBlobDataContributor'))]", blobs["roleDefinitionId"]!.GetValue<string>());
        Assert.AreEqual("ba92f5b4-2d11-453d-a403-e96b0029c9fe", variables["storageBlobDataContributor"]!.GetValue<string>());
        Assert.AreEqual("[variables('noDumpReads')]", blobs["condition"]!.GetValue<string>());
        Assert.AreEqual("2.0", blobs["conditionVersion"]!.GetValue<string>());
        var condition = variables["noDumpReads"]!.GetValue<string>();
        StringAssert.Contains(condition, "!(ActionMatches{{''Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read''}})");
        StringAssert.Contains(condition, "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals ''{0}''");
        StringAssert.Contains(condition, "parameters('dumpsContainerName')");
        var rbacModule = MainTemplate()["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "rbac")!;
        Assert.AreEqual("[variables('dumpsContainerName')]", rbacModule["properties"]!["parameters"]!["dumpsContainerName"]!["value"]!.GetValue<string>());
        Assert.AreEqual(new EvidenceOptions().DumpsContainer, MainTemplate()["variables"]!["dumpsContainerName"]!.GetValue<string>());
    }

    [TestMethod]
    public void StorageLifecycle_DeletesDumpAndEvidenceBlobs_AfterDumpRetentionDays()
    {
        var main = MainTemplate();
        var retention = main["parameters"]!["dumpRetentionDays"]!;
        Assert.AreEqual(30, retention["defaultValue"]!.GetValue<int>());
        Assert.AreEqual(1, retention["minValue"]!.GetValue<int>());

        // The containers the code writes dumps and evidence to (EvidenceOptions defaults) are the ones passed.
        var options = new EvidenceOptions();
        Assert.AreEqual(options.DumpsContainer, main["variables"]!["dumpsContainerName"]!.GetValue<string>());
        Assert.AreEqual(options.EvidenceContainer, main["variables"]!["evidenceContainerName"]!.GetValue<string>());
        var storageModule = main["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "storage")!;
        CollectionAssert.AreEqual(
            new[] { "[variables('dumpsContainerName')]", "[variables('evidenceContainerName')]" },
            storageModule["properties"]!["parameters"]!["retainedContainerNames"]!["value"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());
        Assert.AreEqual("[parameters('dumpRetentionDays')]", storageModule["properties"]!["parameters"]!["dumpRetentionDays"]!["value"]!.GetValue<string>());

        var policy = Resources(Module("storage"), "Microsoft.Storage/storageAccounts/managementPolicies").Single();
        var rule = policy["properties"]!["policy"]!["rules"]!.AsArray().Single()!;
        Assert.IsTrue(rule["enabled"]!.GetValue<bool>());
        var definition = rule["definition"]!;
        Assert.AreEqual("[parameters('dumpRetentionDays')]", definition["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "blockBlob" }, definition["filters"]!["blobTypes"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());
        // The prefix of a lifecycle filter starts with the container name: one '{container}/' per retained container.
        var prefixes = definition["filters"]!["copy"]!.AsArray().Single()!;
        Assert.AreEqual("prefixMatch", prefixes["name"]!.GetValue<string>());
        Assert.AreEqual("[length(parameters('retainedContainerNames'))]", prefixes["count"]!.GetValue<string>());
        Assert.AreEqual("[format('{0}/', parameters('retainedContainerNames')[copyIndex('prefixMatch')])]", prefixes["input"]!.GetValue<string>());
    }

    [TestMethod]
    public void AlertsModule_PutsTheSeedRulesOnEachTargetSiteAndItsPlan_AndServiceHealth_OnTheActionGroup()
    {
        var main = MainTemplate();
        Assert.IsEmpty(main["parameters"]!["alertTargetSiteIds"]!["defaultValue"]!.AsArray());
        var alerts = Module("alerts");

        var group = Resources(alerts, "Microsoft.Insights/actionGroups").Single();
        Assert.IsNull(group["properties"]!["webhookReceivers"], "the action group's webhook is the hook's to set (the key exists only after deploy)");

        string[] Metrics(string variable) => alerts["variables"]![variable]!.AsArray().Select(c => c!["metric"]!.GetValue<string>()).ToArray();
        CollectionAssert.AreEquivalent(new[] { "Http5xx", "MemoryWorkingSet", "HealthCheckStatus", "CpuTime", "HttpResponseTime", "Requests" }, Metrics("siteCriteria"));
        CollectionAssert.AreEquivalent(new[] { "CpuPercentage", "MemoryPercentage" }, Metrics("planCriteria"));

        var ruleSets = Resources(alerts, "Microsoft.Insights/metricAlerts").ToArray();
        Assert.HasCount(2, ruleSets);
        foreach (var rules in ruleSets)
        {
            var loop = rules["copy"]!["count"]!.GetValue<string>();
            Assert.IsTrue(loop is "[length(variables('siteRules'))]" or "[length(variables('planRules'))]", loop);
            var properties = rules["properties"]!;
            Assert.IsTrue(properties["autoMitigate"]!.GetValue<bool>(), "stateful rules: the pipeline reads Resolved too");
            Assert.AreEqual("PT5M", properties["windowSize"]!.GetValue<string>());
            Assert.AreEqual("PT1M", properties["evaluationFrequency"]!.GetValue<string>());
            StringAssert.Contains(properties["actions"]!.ToJsonString(), "Microsoft.Insights/actionGroups");
            var scope = properties["scopes"]![0]!.GetValue<string>();
            if (loop.Contains("siteRules", StringComparison.Ordinal))
            {
                Assert.AreEqual("[parameters('alertTargetSiteIds')[variables('siteRules')[copyIndex()].site]]", scope);
            }
            else
            {
                Assert.AreEqual("[reference(format('targetSites[{0}]', variables('planRules')[copyIndex()].site)).serverFarmId]", scope);
            }
        }

        // siteRules / planRules pair every target with every criterion.
        StringAssert.Contains(alerts["variables"]!["siteRules"]!.GetValue<string>(), "length(parameters('alertTargetSiteIds'))");
        StringAssert.Contains(alerts["variables"]!["planRules"]!.GetValue<string>(), "length(parameters('alertTargetSiteIds'))");

        var serviceHealth = Resources(alerts, "Microsoft.Insights/activityLogAlerts").Single();
        StringAssert.Contains(serviceHealth["properties"]!["condition"]!.ToJsonString(), "\"equals\":\"ServiceHealth\"");
        Assert.AreEqual("[subscription().id]", serviceHealth["properties"]!["scopes"]![0]!.GetValue<string>());
        StringAssert.Contains(serviceHealth["properties"]!["actions"]!.ToJsonString(), "Microsoft.Insights/actionGroups");

        foreach (var output in new[] { "AZURE_ACTION_GROUP_ID", "AZURE_ACTION_GROUP_SHORT_NAME" })
        {
            Assert.IsNotNull(main["outputs"]![output], $"the hook reads azd output {output}");
        }
    }

    [TestMethod]
    public void Location_IsLimitedToFlexConsumptionRegions()
    {
        var allowed = MainTemplate()["parameters"]!["location"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();

        CollectionAssert.AreEquivalent(s_flexRegions, allowed);
    }

    [TestMethod]
    public void Vnet_IsOffByDefault_AndWhenOnGivesBlobQueueTablePrivateEndpointsAndIntegration()
    {
        var main = MainTemplate();
        Assert.IsFalse(main["parameters"]!["vnetEnabled"]!["defaultValue"]!.GetValue<bool>());
        foreach (var module in new[] { "vnet", "storage-private-endpoints" })
        {
            var resource = main["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == module)!;
            Assert.AreEqual("[parameters('vnetEnabled')]", resource["condition"]!.GetValue<string>(), module);
        }

        var endpoints = Module("storage-private-endpoints");
        CollectionAssert.AreEqual(new[] { "blob", "queue", "table" }, endpoints["variables"]!["services"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray());
        Assert.AreEqual(1, Resources(endpoints, "Microsoft.Network/privateEndpoints").Count());
        Assert.AreEqual(1, Resources(endpoints, "Microsoft.Network/privateDnsZones").Count());
        var subnets = Resources(Module("vnet"), "Microsoft.Network/virtualNetworks").Single()["properties"]!["subnets"]!.ToJsonString();
        StringAssert.Contains(subnets, "Microsoft.App/environments");
        var site = Resources(Module("api"), "Microsoft.Web/sites").Single();
        Assert.AreEqual("[if(empty(parameters('virtualNetworkSubnetId')), null(), parameters('virtualNetworkSubnetId'))]", site["properties"]!["virtualNetworkSubnetId"]!.GetValue<string>());
        var api = main["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "api")!;
        var subnet = api["properties"]!["parameters"]!["virtualNetworkSubnetId"]!.GetValue<string>();
        StringAssert.StartsWith(subnet, "[if(parameters('vnetEnabled'), createObject('value', reference(");
        StringAssert.EndsWith(subnet, "'vnet'), '2025-04-01').outputs.appSubnetId.value), createObject('value', ''))]");
    }

    [TestMethod]
    public void MainParameters_FeedTheNewParametersFromAzdEnvValues()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "infra", "main.parameters.json")))!["parameters"]!;
        var expected = new Dictionary<string, string>
        {
            ["principalType"] = "${AZURE_PRINCIPAL_TYPE=User}",
            ["targetResourceGroups"] = "${AZURE_TARGET_RESOURCE_GROUPS=[]}",
            ["alertTargetSiteIds"] = "${AZURE_ALERT_TARGET_SITE_IDS=[]}",
            ["dumpRetentionDays"] = "${AZURE_DUMP_RETENTION_DAYS=30}",
            ["vnetEnabled"] = "${AZURE_VNET_ENABLED=false}",
        };
        var template = MainTemplate()["parameters"]!;
        foreach (var (name, value) in expected)
        {
            Assert.AreEqual(value, parameters[name]?["value"]?.GetValue<string>(), name);
            Assert.IsNotNull(template[name], $"main.bicep has no parameter {name}");
        }
    }

    [TestMethod]
    public void AzureYaml_RunsTheHookAfterDeployAndProvision_OnPosixAndWindows()
    {
        var yaml = SimpleYaml(File.ReadAllLines(Path.Combine(Root, "azure.yaml")));
        var hooks = (Dictionary<string, object>)yaml["hooks"];

        foreach (var hook in new[] { "postdeploy", "postprovision" })
        {
            var variants = (Dictionary<string, object>)hooks[hook];
            var posix = (Dictionary<string, object>)variants["posix"];
            var windows = (Dictionary<string, object>)variants["windows"];
            Assert.AreEqual("sh", posix["shell"]);
            Assert.AreEqual("infra/hooks/postdeploy.sh", posix["run"]);
            Assert.AreEqual("pwsh", windows["shell"]);
            Assert.AreEqual("infra/hooks/postdeploy.ps1", windows["run"]);
            Assert.IsTrue(File.Exists(Path.Combine(Root, (string)posix["run"])));
            Assert.IsTrue(File.Exists(Path.Combine(Root, (string)windows["run"])));
        }

        // On the first `azd up` the function has no key at postprovision: that run may fail, postdeploy may not.
        Assert.AreEqual("true", ((Dictionary<string, object>)((Dictionary<string, object>)hooks["postprovision"])["posix"])["continueOnError"]);
        Assert.IsFalse(((Dictionary<string, object>)((Dictionary<string, object>)hooks["postdeploy"])["posix"]).ContainsKey("continueOnError"));
    }

    [TestMethod]
    public void HookScripts_ParseAsShBashAndPowerShell_AndBothReadTheSameAzdValues()
    {
        foreach (var shell in new[] { "sh", "bash" })
        {
            var (exitCode, _, errors) = Run(shell, ["-n", Path.Combine(Root, "infra", "hooks", "postdeploy.sh")], new Dictionary<string, string>());
            Assert.AreEqual(0, exitCode, $"{shell} -n: {errors}");
        }

        // The PowerShell twin parses in PowerShell 7 (and runs in the hook tests below), and reads the same azd values.
        var (parsed, parseOutput, parseErrors) = Run(Pwsh(), ["-NoProfile", "-NonInteractive", "-Command",
            "$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile($env:HOOK, [ref]$null, [ref]$e); if ($e.Count) { $e | ForEach-Object { $_.Message }; exit 1 }"],
            new Dictionary<string, string> { ["HOOK"] = Path.Combine(Root, "infra", "hooks", "postdeploy.ps1"), ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? string.Empty });
        Assert.AreEqual(0, parsed, parseOutput + parseErrors);
        static string[] Names(string file) => [.. AzdValue().Matches(File.ReadAllText(file)).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];
        CollectionAssert.AreEqual(Names(Path.Combine(Root, "infra", "hooks", "postdeploy.sh")), Names(Path.Combine(Root, "infra", "hooks", "postdeploy.ps1")));
    }

    [TestMethod]
    [DataRow("sh", DisplayName = "postdeploy.sh")]
    [DataRow("pwsh", DisplayName = "postdeploy.ps1")]
    public void PostdeployHook_PutsTheWebhookWithTheKeyAndCommonSchema_NeverPrintsTheKey_AndIsIdempotent(string shell)
    {
        using var az = new FakeAz(FakeKey);

        var first = az.RunHook(shell, new Dictionary<string, string>());
        var firstBody = az.LastBody();
        var second = az.RunHook(shell, new Dictionary<string, string>());

        Assert.AreEqual(0, first.ExitCode, first.Errors);
        Assert.AreEqual(0, second.ExitCode, second.Errors);
        Assert.AreEqual(firstBody, az.LastBody(), "a second run must PUT the same action group");
        var group = JsonNode.Parse(firstBody)!;
        Assert.AreEqual("global", group["location"]!.GetValue<string>());
        Assert.AreEqual("autoremed", group["properties"]!["groupShortName"]!.GetValue<string>());
        var receiver = group["properties"]!["webhookReceivers"]!.AsArray().Single()!;
        Assert.AreEqual("https://func-api-x.azurewebsites.net/api/alerts?code=Kq1%2Bx%2FZy9w%3D%3D", receiver["serviceUri"]!.GetValue<string>());
        Assert.IsTrue(receiver["useCommonAlertSchema"]!.GetValue<bool>());
        Assert.IsNull(receiver["useAadAuth"]);

        var calls = az.Calls();
        StringAssert.Contains(calls, "functionapp function keys list --resource-group rg-test --name func-api-x --function-name alerts");
        StringAssert.Contains(calls, "rest --method put --url /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Insights/actionGroups/ag-x?api-version=2023-01-01");
        StringAssert.Contains(calls, "--output none");
        foreach (var text in new[] { first.Output, first.Errors, second.Output, second.Errors, calls })
        {
            Assert.DoesNotContain("Kq1", text, "the function key was printed or passed on a command line");
        }

        Assert.IsEmpty(Directory.GetFiles(az.TempDirectory, "tmp*"), "the body file holding the key was left behind");
    }

    [TestMethod]
    [DataRow("sh", DisplayName = "postdeploy.sh")]
    [DataRow("pwsh", DisplayName = "postdeploy.ps1")]
    public void PostdeployHook_WithWebhookAuth_PutsASecureWebhook(string shell)
    {
        using var az = new FakeAz(FakeKey);

        var result = az.RunHook(shell, new Dictionary<string, string>
        {
            ["WEBHOOK_AUTH_TENANT_ID"] = "11111111-1111-1111-1111-111111111111",
            ["WEBHOOK_AUTH_AUDIENCE"] = "api://autoremediate",
            ["WEBHOOK_AUTH_OBJECT_ID"] = "22222222-2222-2222-2222-222222222222",
        });

        Assert.AreEqual(0, result.ExitCode, result.Errors);
        var receiver = JsonNode.Parse(az.LastBody())!["properties"]!["webhookReceivers"]![0]!;
        Assert.IsTrue(receiver["useAadAuth"]!.GetValue<bool>());
        Assert.AreEqual("22222222-2222-2222-2222-222222222222", receiver["objectId"]!.GetValue<string>());
        Assert.AreEqual("api://autoremediate", receiver["identifierUri"]!.GetValue<string>());
        Assert.AreEqual("11111111-1111-1111-1111-111111111111", receiver["tenantId"]!.GetValue<string>());
        Assert.IsTrue(receiver["useCommonAlertSchema"]!.GetValue<bool>());
        StringAssert.StartsWith(receiver["serviceUri"]!.GetValue<string>(), "https://func-api-x.azurewebsites.net/api/alerts?code=");
    }

    [TestMethod]
    [DataRow("sh", DisplayName = "postdeploy.sh")]
    [DataRow("pwsh", DisplayName = "postdeploy.ps1")]
    public void PostdeployHook_WithHalfAWebhookAuth_FailsAndChangesNothing(string shell)
    {
        using var az = new FakeAz(FakeKey);

        var result = az.RunHook(shell, new Dictionary<string, string> { ["WEBHOOK_AUTH_TENANT_ID"] = "11111111-1111-1111-1111-111111111111" });

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Errors, "WEBHOOK_AUTH_AUDIENCE");
        Assert.DoesNotContain("rest --method put", az.Calls());
    }

    [TestMethod]
    [DataRow("sh", DisplayName = "postdeploy.sh")]
    [DataRow("pwsh", DisplayName = "postdeploy.ps1")]
    public void PostdeployHook_BeforeTheCodeIsDeployed_FailsWithoutTouchingTheActionGroup(string shell)
    {
        using var az = new FakeAz(key: null);

        var result = az.RunHook(shell, new Dictionary<string, string>());

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Errors, "has no key yet");
        Assert.DoesNotContain("rest --method put", az.Calls());
    }

    /// <summary>PowerShell 7: AUTOREMEDIATE_PWSH, else pwsh on PATH, else the .NET global tool's.</summary>
    private static string Pwsh()
    {
        string?[] candidates =
        [
            Environment.GetEnvironmentVariable("AUTOREMEDIATE_PWSH"),
            .. (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "pwsh")),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "pwsh"),
        ];
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
            ?? throw new AssertFailedException("PowerShell 7 is needed to test infra/hooks/postdeploy.ps1: run 'dotnet tool install --global PowerShell --version 7.6.9' (.ci/test does), or set AUTOREMEDIATE_PWSH.");
    }

    /// <summary>A stand-in for the Azure CLI on PATH: records its arguments, answers the key list, keeps the PUT body.</summary>
    private sealed class FakeAz : IDisposable
    {
        private readonly string _bin;

        public FakeAz(string? key)
        {
            TempDirectory = Directory.CreateTempSubdirectory("ar-hook-").FullName;
            _bin = Path.Combine(TempDirectory, "bin");
            Directory.CreateDirectory(_bin);
            var script = Path.Combine(_bin, "az");
            File.WriteAllText(script, """
                #!/bin/sh
                printf '%s\n' "$*" >> "$FAKE_AZ_DIR/calls.log"
                case "$1 $2" in
                  "functionapp function")
                    if [ -n "${FAKE_AZ_KEY:-}" ]; then printf '%s\n' "$FAKE_AZ_KEY"; exit 0; fi
                    echo "ERROR: (NotFound) Error retrieving function." >&2; exit 3 ;;
                  "rest --method")
                    for arg in "$@"; do case "$arg" in @*) cp "${arg#@}" "$FAKE_AZ_DIR/body.json" ;; esac; done
                    exit 0 ;;
                esac
                echo "unexpected az call: $*" >&2
                exit 2
                """.Replace("\r\n", "\n", StringComparison.Ordinal));
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Key = key;
        }

        public string TempDirectory { get; }

        private string? Key { get; }

        public (int ExitCode, string Output, string Errors) RunHook(string shell, Dictionary<string, string> extra)
        {
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}",
                ["TMPDIR"] = TempDirectory,
                ["FAKE_AZ_DIR"] = TempDirectory,
                ["FAKE_AZ_KEY"] = Key ?? string.Empty,
                ["AZURE_ENV_NAME"] = "test",
                ["AZURE_RESOURCE_GROUP"] = "rg-test",
                ["AZURE_FUNCTION_NAME"] = "func-api-x",
                ["AZURE_FUNCTION_URL"] = "https://func-api-x.azurewebsites.net",
                ["AZURE_ACTION_GROUP_ID"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Insights/actionGroups/ag-x",
                ["AZURE_ACTION_GROUP_SHORT_NAME"] = "autoremed",
            };
            foreach (var (name, value) in extra)
            {
                environment[name] = value;
            }

            // The Windows hook runs in real PowerShell (the PowerShell .NET global tool on Linux; .ci/test installs it).
            return shell == "pwsh"
                ? Run(Pwsh(), ["-NoProfile", "-NonInteractive", "-File", Path.Combine(Root, "infra", "hooks", "postdeploy.ps1")], environment)
                : Run("sh", [Path.Combine(Root, "infra", "hooks", "postdeploy.sh")], environment);
        }

        public string LastBody() => File.ReadAllText(Path.Combine(TempDirectory, "body.json"));

        public string Calls()
        {
            var log = Path.Combine(TempDirectory, "calls.log");
            return File.Exists(log) ? File.ReadAllText(log) : string.Empty;
        }

        public void Dispose() => Directory.Delete(TempDirectory, recursive: true);
    }

    private static (int ExitCode, string Output, string Errors) Bicep(params string[] args)
    {
        var bicep = typeof(DeploymentTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepExecutable").Value!;
        Assert.IsTrue(File.Exists(bicep), $"Bicep CLI not restored at {bicep}");
        File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        return Run(bicep, args, new Dictionary<string, string>());
    }

    private static (int ExitCode, string Output, string Errors) Run(string fileName, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // Generous on a busy 2-core machine; a hung child is killed, never left behind.
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{fileName} {string.Join(' ', args)} did not finish in 3 minutes");
        }

        return (process.ExitCode, output.Result, errors.Result);
    }

    // Enough YAML for azure.yaml: nested mappings by indentation, scalar values, comments.
    private static Dictionary<string, object> SimpleYaml(string[] lines)
    {
        var root = new Dictionary<string, object>();
        var stack = new Stack<(int Indent, Dictionary<string, object> Map)>();
        stack.Push((-1, root));
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            while (stack.Peek().Indent >= indent)
            {
                stack.Pop();
            }

            var (key, value) = (line.Trim().Split(':', 2)[0].Trim(), line.Trim().Split(':', 2)[1].Trim());
            if (value.Length == 0)
            {
                var child = new Dictionary<string, object>();
                stack.Peek().Map[key] = child;
                stack.Push((indent, child));
            }
            else
            {
                stack.Peek().Map[key] = value;
            }
        }

        return root;
    }

    // A route fragment in a string literal: "/instances", "/config/web", "/providers/Microsoft.Insights/metrics".
    [GeneratedRegex("\"(/[A-Za-z][A-Za-z0-9/.]*)\"")]
    private static partial Regex RouteLiteral();

    // A provider route anywhere (interpolated strings, the alert id grammar).
    [GeneratedRegex(@"providers/Microsoft\.[A-Za-z]+/[A-Za-z]+")]
    private static partial Regex ProviderRoute();

    // The calls whose action is not in a literal: a site's or plan's own path, the verbs, the long-running operation.
    [GeneratedRegex(@"ArmIds\.(Site|Plan)\(|RequestMethod\.(Delete|Patch|Post|Put)|WaitForCompletionAsync\(")]
    private static partial Regex ArmCall();

    [GeneratedRegex(@"\b(AZURE|WEBHOOK_AUTH)_[A-Z_]+\b")]
    private static partial Regex AzdValue();
}
