using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AutoRemediate.Infra.Tests;

/// <summary>
/// Issue 14 point 3: every operator setting survives re-provisioning because the template deploys it from a
/// parameter (main.parameters.json ← azd env), and the template sets nothing the code does not bind.
/// </summary>
[TestClass]
public sealed partial class OperatorSettingsTests
{
    /// <summary>
    /// Options the template deliberately does not expose. Anything here is lost on the next `azd provision`
    /// if set by hand (siteConfig.appSettings replaces every setting), so each entry says why that is fine.
    /// </summary>
    private static readonly Dictionary<string, string> s_notExposed = new(StringComparer.Ordinal)
    {
        // Table names: the pipeline creates and owns them; renaming them in Azure would orphan the data.
        ["Storage:IncidentsTable"] = "internal",
        ["Storage:TimelineTable"] = "internal",
        ["Storage:ActionsTable"] = "internal",
        ["Storage:PlatformNoticesTable"] = "internal",
        ["Storage:ApprovalsTable"] = "internal",
        ["Storage:ApprovalLinksTable"] = "internal",
        // Container names: as the tables (storage.bicep and the lifecycle policy name them too).
        ["Evidence:DumpsContainer"] = "internal",
        ["Evidence:EvidenceContainer"] = "internal",
        // The ACS Email API version is pinned by the code that reads its answers; its waits are tuning.
        ["Mail:AcsApiVersion"] = "pinned",
        ["Mail:AcsSendTimeout"] = "tuning",
        ["Mail:AcsPollInterval"] = "tuning",
        // Upload tuning, not an operator decision; with them, how many dumps an instance takes at once (their memory
        // together is sized for the Flex Consumption instance, as host.json's activity slots are).
        ["Evidence:BlockSizeBytes"] = "tuning",
        ["Evidence:MaxAttempts"] = "tuning",
        ["Evidence:MaxBlocksInFlight"] = "tuning",
        ["Evidence:MaxConcurrentDumps"] = "tuning",
        // ARM endpoint and API versions are pinned by the code that parses their responses; the Sandbox
        // settings are for local runs only and refused elsewhere (AzureOptions validation).
        ["Azure:ResourceManagerEndpoint"] = "pinned",
        ["Azure:WebApiVersion"] = "pinned",
        ["Azure:MetricsApiVersion"] = "pinned",
        ["Azure:AutoscaleApiVersion"] = "pinned",
        ["Azure:ResourceHealthApiVersion"] = "pinned",
        ["Azure:AlertsApiVersion"] = "pinned",
        ["Azure:LongRunningOperationTimeout"] = "tuning",
        ["Azure:SandboxCertificateThumbprint"] = "local only",
        // Must never be set in Azure: decisions without a verified Entra ID user (DevHost/local only).
        ["DecisionAuth:UnverifiedOperator"] = "local only",
        // The DevHost's retention loop; the Function App runs on Retention:Schedule.
        ["Retention:DevHostInterval"] = "local only",
    };

    private static string Root => typeof(OperatorSettingsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static string Infra(params string[] path) => File.ReadAllText(Path.Combine([Root, "infra", .. path]));

    private static Dictionary<string, Type> OptionsBySection() =>
        typeof(ServiceCollectionExtensions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .ToDictionary(t => t.Section!, t => t.Type);

    /// <summary>Section:Property for every Section__Property app setting name the template writes (literal or as the prefix of Name__0 / Name__key).</summary>
    private static HashSet<string> TemplateSettings() =>
        SettingName().Matches(Infra("main.bicep") + Infra("app", "api.bicep"))
            .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}")
            .Where(k => !k.StartsWith("AzureWebJobsStorage:", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);

    [TestMethod]
    public void TemplateSettings_EveryOneIsBoundByTheCode()
    {
        var options = OptionsBySection();
        var settings = TemplateSettings();

        Assert.IsGreaterThan(40, settings.Count, string.Join(", ", settings));
        foreach (var setting in settings)
        {
            var (section, property) = (setting.Split(':')[0], setting.Split(':')[1]);
            Assert.IsTrue(options.TryGetValue(section, out var type), $"{setting}: no options class has section '{section}'");
            var bound = type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance);
            Assert.IsTrue(bound is not null && IsBound(bound), $"{setting}: {type.Name} has no property '{property}' the configuration binder fills");
        }
    }

    [TestMethod]
    public void OptionsProperties_EveryOneIsSettableFromTheTemplateOrDeliberatelyNot()
    {
        var settings = TemplateSettings();
        var missing = new List<string>();
        foreach (var (section, type) in OptionsBySection())
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(IsBound))
            {
                var key = $"{section}:{property.Name}";
                if (!settings.Contains(key) && !s_notExposed.ContainsKey(key))
                {
                    missing.Add(key);
                }
            }
        }

        Assert.IsEmpty(missing, "operator settings the template cannot set (add a parameter in infra/main.bicep, or to the allow-list with a reason): " + string.Join(", ", missing));
        foreach (var key in s_notExposed.Keys)
        {
            Assert.IsFalse(settings.Contains(key), $"{key} is on the not-exposed list but the template sets it");
        }
    }

    [TestMethod]
    public void MainParameters_EveryOperatorParameterComesFromTheAzdEnvironment()
    {
        var parameters = JsonNode.Parse(Infra("main.parameters.json"))!["parameters"]!.AsObject();
        var declared = BicepParam().Matches(Infra("main.bicep")).Select(m => m.Groups[1].Value).ToArray();

        Assert.IsGreaterThan(60, declared.Length);
        foreach (var name in declared)
        {
            Assert.IsTrue(parameters.ContainsKey(name), $"main.parameters.json does not feed parameter '{name}' (azd env set would not reach it)");
            var value = parameters[name]!["value"]!.GetValue<string>();
            Assert.MatchesRegex(AzdReference(), value, $"{name}: '{value}' is not an azd ${{AZURE_…}} reference");
        }
    }

    [TestMethod]
    public void Secrets_AreSecureParametersAndNeverOutputs()
    {
        var main = Infra("main.bicep");
        var api = Infra("app", "api.bicep");

        foreach (var secret in new[] { "mailPassword", "pageAuthCookieKey" })
        {
            StringAssert.Matches(main, new Regex($@"@secure\(\)\s*\n@description\('[^\n]*'\)\s*\nparam {secret} string"), $"{secret} is not @secure in main.bicep");
            StringAssert.Matches(api, new Regex($@"@secure\(\)\s*\n@description\('[^\n]*'\)\s*\nparam {secret} string"), $"{secret} is not @secure in api.bicep");
            foreach (var output in OutputLine().Matches(main + api).Select(m => m.Value))
            {
                Assert.DoesNotContain(secret, output, $"a secret reaches an output: {output}");
            }
        }
    }

    [TestMethod]
    public void ListSettings_AreDeployedAsIndexedKeys()
    {
        var api = Infra("app", "api.bicep");
        var main = Infra("main.bicep");

        // Lists: comma-separated in the azd env, one app setting per item (Name__0, Name__1, …) as .NET binds arrays.
        StringAssert.Contains(api, "func itemsOf(text string) string[] => filter(map(split(text, ','), v => trim(v)), v => !empty(v))");
        StringAssert.Contains(api, "name: '${l.key}__${i}'");
        StringAssert.Contains(api, "name: '${m.key}__${e.key}__${i}'");
        foreach (var list in new[] { "Scope__AllowedSubscriptions", "Scope__AllowedResourceGroups", "Scope__AllowedResourceIds", "Approvers__Default", "Policy__AllowedSkus", "Policy__AutoApprovedPlans", "WebhookAuth__AllowedCallerAppIds", "PageAuth__AllowedRoles" })
        {
            StringAssert.Matches(main, new Regex($@"var operatorLists = \{{[^}}]*\n  {list}: "), $"{list} is not a list setting");
        }
    }

    // What the configuration binder fills: a property with a public setter, or a get-only mutable collection
    // (IList, IDictionary); computed read-only views (Enabled, Effective…) are not settings.
    private static bool IsBound(PropertyInfo property) =>
        property.SetMethod?.IsPublic == true ||
        (property.SetMethod is null && property.PropertyType != typeof(string) &&
         property.PropertyType.GetInterfaces().Append(property.PropertyType).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollection<>)));

    [GeneratedRegex(@"\b([A-Z][A-Za-z]+)__([A-Z][A-Za-z]+)(?![A-Za-z])")]
    private static partial Regex SettingName();

    [GeneratedRegex(@"(?m)^param (\w+) ")]
    private static partial Regex BicepParam();

    [GeneratedRegex(@"^\$\{AZURE_[A-Z0-9_]+(=[^}]*)?\}$")]
    private static partial Regex AzdReference();

    [GeneratedRegex(@"(?m)^output .*$")]
    private static partial Regex OutputLine();
}
