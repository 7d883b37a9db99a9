using System.Text.Json.Nodes;
using AutoRemediate.Testing;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The Function App's Durable settings in host.json are the ones the DevHost can run with (DevHost:DurableHostJson), and
/// a setting the pipeline does not know is refused instead of silently ignored as the Functions host would.
/// </summary>
[TestClass]
public sealed class DurableTuningTests
{
    private static string HostJsonPath => Path.Combine(Samples.RepositoryRoot, "host.json");

    [TestMethod]
    public void FromHostJson_RepositoryHostJson_EverySettingKnownAndAppliedToTheBackend()
    {
        var text = File.ReadAllText(HostJsonPath);
        var durable = JsonNode.Parse(text)!["extensions"]!["durableTask"]!;
        var provider = durable["storageProvider"]!;

        var tuning = DurableTuning.FromHostJson(text, HostJsonPath);
        var settings = new AzureStorageOrchestrationServiceSettings();
        tuning.ApplyTo(settings);

        Assert.AreEqual(TimeSpan.Parse(provider["maxQueuePollingInterval"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), settings.MaxQueuePollingInterval);
        Assert.AreEqual(provider["partitionCount"]!.GetValue<int>(), settings.PartitionCount);
        Assert.AreEqual(provider["controlQueueBatchSize"]!.GetValue<int>(), settings.ControlQueueBatchSize);
        Assert.AreEqual(provider["controlQueueBufferThreshold"]!.GetValue<int>(), settings.ControlQueueBufferThreshold);
        Assert.AreEqual(durable["maxConcurrentActivityFunctions"]!.GetValue<int>(), settings.MaxConcurrentTaskActivityWorkItems);
        Assert.AreEqual(durable["maxConcurrentOrchestratorFunctions"]!.GetValue<int>(), settings.MaxConcurrentTaskOrchestrationWorkItems);
    }

    [TestMethod]
    public void FromHostJson_MisspelledSetting_RefusedNamingIt()
    {
        var text = File.ReadAllText(HostJsonPath).Replace("\"maxQueuePollingInterval\"", "\"maxQueuePolingInterval\"", StringComparison.Ordinal);

        var error = Assert.ThrowsExactly<FormatException>(() => DurableTuning.FromHostJson(text, "host.json"));

        StringAssert.Contains(error.Message, "maxQueuePolingInterval");
    }

    [TestMethod]
    [DataRow("\"maxQueuePollingInterval\": \"10 seconds\"")]
    [DataRow("\"maxQueuePollingInterval\": \"-00:00:01\"")]
    [DataRow("\"maxQueuePollingInterval\": \"00:00:02\", \"partitionCount\": 17")]
    [DataRow("\"maxQueuePollingInterval\": \"00:00:02\", \"controlQueueBatchSize\": 2.5")]
    public void FromHostJson_BadValue_RefusedSayingWhatIsAllowed(string provider)
    {
        var text = $$"""{ "extensions": { "durableTask": { "storageProvider": { {{provider}} } } } }""";

        var error = Assert.ThrowsExactly<FormatException>(() => DurableTuning.FromHostJson(text, "host.json"));

        StringAssert.Contains(error.Message, "host.json");
    }

    [TestMethod]
    public async Task StartAsync_DurableHostJsonMissing_RefusedBeforeAnythingStarts()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "host.json");

        var error = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => InProcessDevHost.StartAsync("UseDevelopmentStorage=true", new Dictionary<string, string?>
        {
            [ConfigKeys.DevHostDurableBackend] = DurableBackends.AzureStorage,
            [ConfigKeys.DevHostDurableHostJson] = missing,
        }));

        StringAssert.Contains(error.Message, "DevHost:DurableHostJson");
        StringAssert.Contains(error.Message, missing);
    }
}
