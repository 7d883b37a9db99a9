using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AutoRemediate.Infra.Tests;

[TestClass]
public sealed partial class InfraTests
{
    // Identity-based host storage keys the Functions host itself reads (not our options).
    private static readonly string[] s_hostStorageKeys = ["credential", "clientId", "accountName", "blobServiceUri", "queueServiceUri", "tableServiceUri"];

    private static string Metadata(string key) =>
        typeof(InfraTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Root => Metadata("RepositoryRoot");

    private static (int ExitCode, string Output, string Errors) Bicep(params string[] args)
    {
        var bicep = Metadata("BicepExecutable");
        Assert.IsTrue(File.Exists(bicep), $"Bicep CLI not restored at {bicep}");
        // NuGet does not always keep the execute bit of a packaged binary. (The package is the
        // linux-x64 build: CI and the build machines are Linux.)
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }
        var start = new ProcessStartInfo(bicep) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, errors.Result);
    }

    [TestMethod]
    public void MainBicep_Builds_WithoutErrorsOrWarnings()
    {
        var (exitCode, template, errors) = Bicep("build", "infra/main.bicep", "--stdout");

        Assert.AreEqual(0, exitCode, errors);
        Assert.AreEqual(string.Empty, errors.Trim(), "bicep build printed warnings");
        var arm = JsonNode.Parse(template)!;
        Assert.AreEqual("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", arm["$schema"]!.GetValue<string>());
        foreach (var output in new[] { "AZURE_FUNCTION_NAME", "AZURE_FUNCTION_URL", "AZURE_RESOURCE_GROUP" })
        {
            Assert.IsNotNull(arm["outputs"]![output], $"azd output {output} missing");
        }
    }

    [TestMethod]
    public void MainParameters_CoverEveryRequiredParameter()
    {
        var template = JsonNode.Parse(Bicep("build", "infra/main.bicep", "--stdout").Output)!;
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "infra", "main.parameters.json")))!["parameters"]!.AsObject();

        var required = template["parameters"]!.AsObject().Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key).ToArray();

        Assert.IsNotEmpty(required);
        foreach (var name in required)
        {
            Assert.IsTrue(parameters.ContainsKey(name), $"main.parameters.json does not set required parameter '{name}'");
        }
    }

    [TestMethod]
    public void AppSettings_InBicepAndLocalSettings_AreKeysTheCodeBinds()
    {
        var bicepKeys = AppSettingName().Matches(File.ReadAllText(Path.Combine(Root, "infra", "app", "api.bicep"))).Select(m => m.Groups[1].Value).ToArray();
        var localKeys = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")))!["Values"]!.AsObject().Select(p => p.Key).ToArray();
        var options = typeof(ServiceCollectionExtensions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .ToDictionary(t => t.Section!, t => t.Type);

        Assert.IsNotEmpty(bicepKeys);
        foreach (var key in bicepKeys.Concat(localKeys).Where(k => k.Contains("__", StringComparison.Ordinal)))
        {
            var parts = key.Split("__");
            if (parts[0] == ServiceCollectionExtensions.StorageConnectionName)
            {
                CollectionAssert.Contains(s_hostStorageKeys, parts[1], $"{key} is not an identity-based storage setting");
                continue;
            }

            Assert.IsTrue(options.TryGetValue(parts[0], out var type), $"{key}: no options class has section '{parts[0]}'");
            var property = type.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance);
            Assert.IsTrue(property?.CanWrite == true, $"{key}: {type.Name} has no settable property '{parts[1]}'");
        }
    }

    [TestMethod]
    public void AzureYaml_ServicePointsAtTheFunctionAppTaggedForAzd()
    {
        var yaml = File.ReadAllText(Path.Combine(Root, "azure.yaml"));
        var project = Regex.Match(yaml, @"project:\s*(\S+)").Groups[1].Value;

        Assert.IsTrue(File.Exists(Path.Combine(Root, project, "AutoRemediate.Functions.csproj")), $"azure.yaml project '{project}' is not the Function App");
        StringAssert.Contains(yaml, "host: function");
        StringAssert.Contains(File.ReadAllText(Path.Combine(Root, "infra", "app", "api.bicep")), "'azd-service-name': 'api'");
        StringAssert.Contains(yaml, "  api:");
    }

    [GeneratedRegex(@"\{\s*name:\s*'([A-Za-z0-9_]+)'\s*,\s*value:")]
    private static partial Regex AppSettingName();
}
