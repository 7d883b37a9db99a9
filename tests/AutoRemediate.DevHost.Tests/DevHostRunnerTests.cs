using AutoRemediate.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// A DevHost setting that cannot work stops the start with a message naming it, before Azurite or the
/// Sandbox is started: on ports nobody listens on, nothing listens afterwards either, and Azurite's data
/// folder (which the launcher creates before it starts Azurite) was never created.
/// </summary>
[TestClass]
public sealed class DevHostRunnerTests
{
    /// <summary>A DevHost's settings on free ports, with no storage configured: a start that got past the settings check would start Azurite.</summary>
    private sealed class Start : IDisposable
    {
        public Start(string key, string value)
        {
            var ports = LoopbackPorts.Free(5);
            Ports = ports;
            var folder = "devhost-never-started-" + Guid.NewGuid().ToString("N");
            AzuriteLocation = Path.Combine(Path.GetTempPath(), folder);
            Settings = new Dictionary<string, string?>
            {
                [ConfigKeys.DevHostUrls] = $"http://127.0.0.1:{ports[0]}",
                [ConfigKeys.DevHostSandboxUrl] = $"https://127.0.0.1:{ports[1]}",
                [ConfigKeys.DevHostAzuriteBlobPort] = Text(ports[2]),
                [ConfigKeys.DevHostAzuriteQueuePort] = Text(ports[3]),
                [ConfigKeys.DevHostAzuriteTablePort] = Text(ports[4]),
                [ConfigKeys.DevHostAzuriteLocation] = AzuriteLocation,
                [ConfigKeys.DevHostDurableBackend] = DurableBackends.InMemory,
            };
            if (value.Contains("{outside}", StringComparison.Ordinal))
            {
                // A relative location is taken from the repository root; this one would be beside it.
                AzuriteLocation = Path.GetFullPath(Path.Combine(RepositoryPaths.FindRoot()!, "..", folder));
                value = value.Replace("{outside}", "../" + folder, StringComparison.Ordinal);
            }

            Settings[key] = value.Replace("{blob}", Text(ports[2]), StringComparison.Ordinal);
        }

        public int[] Ports { get; }

        public string AzuriteLocation { get; }

        public Dictionary<string, string?> Settings { get; }

        public async Task AssertNothingStartedAsync()
        {
            Assert.IsFalse(Directory.Exists(AzuriteLocation), "Azurite was started: its data folder exists");
            foreach (var port in Ports)
            {
                Assert.IsFalse(await AzuriteLauncher.IsListeningAsync(port), $"something listens on {port}: the start went further than the settings check");
            }
        }

        // Only when a test fails: what a start that should not have happened left behind.
        public void Dispose()
        {
            if (Directory.Exists(AzuriteLocation))
            {
                Directory.Delete(AzuriteLocation, recursive: true);
            }
        }

        private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<OptionsValidationException> StartFailsAsync(IReadOnlyDictionary<string, string?> settings)
    {
        try
        {
            var host = await DevHostRunner.StartAsync([], builder => builder.Configuration.AddInMemoryCollection(settings));
            await host.DisposeAsync();
        }
        catch (OptionsValidationException ex)
        {
            return ex;
        }

        Assert.Fail("the DevHost started with a setting that cannot work");
        return null!;
    }

    [TestMethod]
    [DataRow("DevHost:Urls", "", "DevHost:Urls is empty")]
    [DataRow("DevHost:Urls", "localhost-7071", "DevHost:Urls 'localhost-7071' is not an http(s) address")]
    [DataRow("DevHost:Urls", "ftp://127.0.0.1:7071", "DevHost:Urls 'ftp://127.0.0.1:7071' is not an http(s) address")]
    [DataRow("DevHost:Urls", "http://127.0.0.1:70000", "DevHost:Urls 'http://127.0.0.1:70000' is not an http(s) address")]
    [DataRow("DevHost:Urls", "http://127.0.0.1:7071/api", "DevHost:Urls 'http://127.0.0.1:7071/api' is not an http(s) address")]
    [DataRow("DevHost:SandboxUrl", "sandbox", "DevHost:SandboxUrl 'sandbox' is not an address")]
    [DataRow("DevHost:SandboxUrl", "http://127.0.0.1:7443", "DevHost:SandboxUrl 'http://127.0.0.1:7443' must be https")]
    [DataRow("DevHost:SandboxUrl", "https://sandbox.example.invalid:7443", "DevHost:SandboxUrl 'https://sandbox.example.invalid:7443' must be a loopback address")]
    [DataRow("DevHost:AzuriteBlobPort", "70000", "DevHost:AzuriteBlobPort 70000 is not a TCP port")]
    [DataRow("DevHost:AzuriteTablePort", "0", "DevHost:AzuriteTablePort 0 is not a TCP port")]
    [DataRow("DevHost:AzuriteQueuePort", "{blob}", "DevHost:AzuriteBlobPort, DevHost:AzuriteQueuePort and DevHost:AzuriteTablePort must be three different ports")]
    [DataRow("DevHost:AzuriteQueuePort", "queue", "'DevHost:AzuriteQueuePort'")]
    [DataRow("DevHost:DurableTaskPort", "-1", "DevHost:DurableTaskPort -1 is not a TCP port")]
    [DataRow("DevHost:DurableBackend", "Sqlite", "DevHost:DurableBackend 'Sqlite' is not a Durable backend: AzureStorage or InMemory")]
    [DataRow("DevHost:DurableBackend", "inmemory", "DevHost:DurableBackend 'inmemory' is not a Durable backend")]
    [DataRow("DevHost:TaskHub", "1hub", "DevHost:TaskHub '1hub' is not a task hub name")]
    [DataRow("DevHost:AzuriteLocation", "{outside}", "is not inside the repository")]
    [DataRow("DevHost:AzuriteLocation", ".devhost/../{outside}", "is not inside the repository")]
    public async Task StartAsync_BadSetting_FailsNamingTheKeyBeforeStartingAnything(string key, string value, string mentions)
    {
        using var start = new Start(key, value);

        var ex = await StartFailsAsync(start.Settings);

        StringAssert.Contains(ex.Message, mentions);
        StringAssert.Contains(ex.Message, key);
        await start.AssertNothingStartedAsync();
    }

    [TestMethod]
    public async Task StartAsync_SeveralBadSettings_NamesEveryOne()
    {
        using var start = new Start(ConfigKeys.DevHostSandboxUrl, "http://127.0.0.1:7443");
        start.Settings[ConfigKeys.DevHostTaskHub] = "x";

        var ex = await StartFailsAsync(start.Settings);

        Assert.HasCount(2, ex.Failures, ex.Message);
        StringAssert.Contains(ex.Message, "DevHost:SandboxUrl");
        StringAssert.Contains(ex.Message, "DevHost:TaskHub");
        await start.AssertNothingStartedAsync();
    }

    // The same check through the command line, as a person meets it: exit code 2, the key on stderr.
    [TestMethod]
    [DataRow("--DevHost:SandboxUrl=http://127.0.0.1:7443", "DevHost:SandboxUrl 'http://127.0.0.1:7443' must be https")]
    [DataRow("--durable-backend InMemory --DevHost:TaskHub=x", "DevHost:TaskHub 'x' is not a task hub name")]
    [DataRow("demo --scenario dry-run --DevHost:AzuriteBlobPort=99999", "DevHost:AzuriteBlobPort 99999 is not a TCP port")]
    public async Task DevHostConsole_BadSetting_Exit2NamingTheKeyOnStderr(string commandLine, string mentions)
    {
        using var start = new Start(ConfigKeys.DevHostDurableBackend, DurableBackends.InMemory);
        // The free ports first, then the row: later settings win.
        string[] args = [.. start.Settings.Select(s => ConfigKeys.Override(s.Key, s.Value!)), .. commandLine.Split(' ')];
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await new DevHostCommand(DevHostConsole.RunAsync).InvokeAsync(args, output, error);

        Assert.AreEqual(2, exitCode, $"{output}\n{error}");
        StringAssert.Contains(error.ToString(), "DevHost: invalid settings");
        StringAssert.Contains(error.ToString(), mentions);
        Assert.DoesNotContain("listening on", output.ToString());
        await start.AssertNothingStartedAsync();
    }
}
