using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AutoRemediate.Notify;

namespace AutoRemediate.Infra.Tests;

/// <summary>
/// Issue 14 part 2, mail in Azure: the compiled template deploys ACS Email with an Azure-managed domain
/// linked to a communication service, grants the Function App's identity the sending role on that one
/// resource, and hands the app Mail__* settings that the code binds and validates.
/// </summary>
[TestClass]
public sealed partial class MailInfraTests
{
    private const string CommunicationAndEmailServiceOwner = "09976791-48a7-449e-bb21-39d1a415f350";

    private static readonly Lazy<JsonNode> s_template = new(Build);

    private static string Metadata(string key) =>
        typeof(MailInfraTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Root => Metadata("RepositoryRoot");

    private static JsonNode Build()
    {
        var bicep = Metadata("BicepExecutable");
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(bicep, ["build", "infra/main.bicep", "--stdout"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, errors.Result);
        Assert.AreEqual(string.Empty, errors.Result.Trim(), "bicep build printed warnings");
        return JsonNode.Parse(output.Result)!;
    }

    private static JsonObject Deployment(string name) =>
        Resources(s_template.Value["resources"]!).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]!.GetValue<string>() == name);

    private static JsonObject Resource(JsonObject deployment, string type) =>
        Resources(deployment["properties"]!["template"]!["resources"]!).Single(r => r["type"]!.GetValue<string>() == type);

    // A template's resources are an array, or (language version 2.0, with symbolic names) an object keyed by name.
    private static IEnumerable<JsonObject> Resources(JsonNode resources) =>
        resources is JsonArray array ? array.Select(r => r!.AsObject()) : resources.AsObject().Select(p => p.Value!.AsObject());

    [TestMethod]
    public void MailModule_EmailServiceAzureManagedDomainLinkedToTheCommunicationService()
    {
        var mail = Deployment("mail");

        Assert.AreEqual("[variables('mailWithAcs')]", mail["condition"]!.GetValue<string>(), "deployed only with mailProvider AcsEmail");
        Assert.AreEqual("global", Resource(mail, "Microsoft.Communication/emailServices")["location"]!.GetValue<string>());
        var domain = Resource(mail, "Microsoft.Communication/emailServices/domains");
        Assert.AreEqual("AzureManaged", domain["properties"]!["domainManagement"]!.GetValue<string>());
        Assert.AreEqual("Disabled", domain["properties"]!["userEngagementTracking"]!.GetValue<string>(), "no tracking rewrites the approval links");
        var linked = Resource(mail, "Microsoft.Communication/communicationServices")["properties"]!["linkedDomains"]!.AsArray();
        StringAssert.Contains(linked.Single()!.GetValue<string>(), "Microsoft.Communication/emailServices/domains");
        var outputs = mail["properties"]!["template"]!["outputs"]!;
        StringAssert.Contains(outputs["endpoint"]!["value"]!.GetValue<string>(), "hostName");
        StringAssert.Contains(outputs["senderAddress"]!["value"]!.GetValue<string>(), "DoNotReply@");
        StringAssert.Contains(outputs["senderAddress"]!["value"]!.GetValue<string>(), "mailFromSenderDomain");
    }

    [TestMethod]
    public void MailRole_TheAppIdentityGetsTheSendingRoleOnTheCommunicationServiceOnly()
    {
        var role = Resource(Deployment("mail-role"), "Microsoft.Authorization/roleAssignments");

        StringAssert.Contains(role["scope"]!.GetValue<string>(), "Microsoft.Communication/communicationServices");
        StringAssert.Contains(role["properties"]!["roleDefinitionId"]!.GetValue<string>(), "communicationAndEmailServiceOwner");
        StringAssert.Contains(Deployment("mail-role")["properties"]!["template"]!["variables"]!["communicationAndEmailServiceOwner"]!.GetValue<string>(), CommunicationAndEmailServiceOwner);
        Assert.AreEqual("ServicePrincipal", role["properties"]!["principalType"]!.GetValue<string>());
        StringAssert.Contains(Deployment("mail-role")["properties"]!["parameters"]!["identityPrincipalId"]!["value"]!.GetValue<string>(), "'api'");
    }

    [TestMethod]
    public void MailProvider_AcsEmailByDefault_SmtpAllowed()
    {
        var parameter = s_template.Value["parameters"]!["mailProvider"]!;

        Assert.AreEqual("AcsEmail", parameter["defaultValue"]!.GetValue<string>());
        CollectionAssert.AreEquivalent(Enum.GetNames<MailProvider>(), parameter["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    public void MailAppSettings_PassedToTheAppAndBoundByMailOptions()
    {
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var keys = AppSettingName().Matches(main).Select(m => m.Groups[1].Value).ToArray();

        CollectionAssert.AreEquivalent(new[] { "Mail__Provider", "Mail__AcsEndpoint", "Mail__From", "Mail__PublicBaseUrl" }, keys);
        foreach (var key in keys)
        {
            var parts = key.Split("__");
            Assert.AreEqual(MailOptions.SectionName, parts[0]);
            Assert.IsTrue(typeof(MailOptions).GetProperty(parts[1])?.CanWrite == true, $"{key}: MailOptions has no settable property '{parts[1]}'");
        }

        StringAssert.Contains(main, "{ name: 'Mail__Provider', value: 'AcsEmail' }");
        // The api deployment gets the mail module's outputs (so it waits for it) when mailProvider is AcsEmail, nothing otherwise.
        var passed = Deployment("api")["properties"]!["parameters"]!["mailAppSettings"]!.GetValue<string>();
        StringAssert.StartsWith(passed, "[if(variables('mailWithAcs')");
        StringAssert.Contains(passed, "'mail'), '2025-04-01').outputs.endpoint.value");
        StringAssert.Contains(passed, "'mail'), '2025-04-01').outputs.senderAddress.value");
        StringAssert.EndsWith(passed, "createObject('value', createArray()))]");
        StringAssert.Contains(Resource(Deployment("api"), "Microsoft.Web/sites")["properties"]!["siteConfig"]!["appSettings"]!.GetValue<string>(), "parameters('mailAppSettings')");
    }

    [GeneratedRegex(@"\{\s*name:\s*'(Mail__[A-Za-z0-9_]+)'\s*,\s*value:")]
    private static partial Regex AppSettingName();
}
