namespace AutoRemediate.DevHost.Tests;

/// <summary>The DevHost settings that must keep working: those the README, the tests and Kestrel accept.</summary>
[TestClass]
public sealed class DevHostOptionsValidatorTests
{
    [TestMethod]
    [DataRow("DevHost:Urls", "http://127.0.0.1:0")]
    [DataRow("DevHost:Urls", "http://*:7071")]
    [DataRow("DevHost:Urls", "http://+:7071")]
    [DataRow("DevHost:Urls", "http://localhost:7071;http://[::1]:7072")]
    [DataRow("DevHost:Urls", "https://127.0.0.1:7071/")]
    [DataRow("DevHost:SandboxUrl", "https://127.0.0.1:0")]
    [DataRow("DevHost:SandboxUrl", "https://localhost:7443")]
    [DataRow("DevHost:SandboxUrl", "https://[::1]:7443")]
    [DataRow("DevHost:AzuriteLocation", "")]
    [DataRow("DevHost:AzuriteLocation", ".devhost/other")]
    [DataRow("DevHost:AzuriteLocation", "/tmp/azurite-elsewhere")]
    [DataRow("DevHost:DurableBackend", "InMemory")]
    [DataRow("DevHost:DurableTaskPort", "0")]
    [DataRow("DevHost:TaskHub", "Demo20250101120000")]
    public void Validate_UsableSetting_Succeeds(string key, string value)
    {
        var options = Options(key, value);

        var result = new DevHostOptionsValidator().Validate(null, options);

        Assert.IsTrue(result.Succeeded, result.FailureMessage);
    }

    [TestMethod]
    public void Validate_Defaults_Succeed()
    {
        var result = new DevHostOptionsValidator().Validate(null, new DevHostOptions());

        Assert.IsTrue(result.Succeeded, result.FailureMessage);
    }

    private static DevHostOptions Options(string key, string value)
    {
        var builder = DevHostRunner.CreateBuilder([ConfigKeys.Override(key, value)]);
        var options = new DevHostOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(builder.Configuration.GetSection(DevHostOptions.SectionName), options);
        Assert.AreEqual(value, builder.Configuration[key]);
        return options;
    }
}
