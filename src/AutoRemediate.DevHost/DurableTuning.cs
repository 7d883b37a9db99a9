using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.AzureStorage;

namespace AutoRemediate.DevHost;

/// <summary>
/// How the DevHost's Azure Storage Durable backend polls, partitions, batches and bounds concurrency: either the
/// DevHost's local tuning (<see cref="Local"/>: react within a second, one partition) or the Function App's production
/// settings, read from the <c>extensions.durableTask</c> section of a host.json (<see cref="FromHostJson"/>), so the
/// production values can be measured on the DevHost (benchmarks.md, "Production Durable settings").
/// </summary>
/// <param name="Source">Where the values came from, for the banner and the benchmark.</param>
/// <param name="MaxQueuePollingInterval">The longest an idle queue poller waits between polls (<c>storageProvider.maxQueuePollingInterval</c>).</param>
/// <param name="PartitionCount">Control queues (<c>storageProvider.partitionCount</c>).</param>
/// <param name="ControlQueueBatchSize">Messages fetched per control-queue read (<c>storageProvider.controlQueueBatchSize</c>); null: the library default.</param>
/// <param name="ControlQueueBufferThreshold">Control-queue messages buffered in memory (<c>storageProvider.controlQueueBufferThreshold</c>); null: the library default.</param>
/// <param name="MaxConcurrentActivities">Activities at once on one worker (<c>maxConcurrentActivityFunctions</c>); null: the library default.</param>
/// <param name="MaxConcurrentOrchestrations">Orchestrator episodes at once on one worker (<c>maxConcurrentOrchestratorFunctions</c>); null: the library default.</param>
public sealed record DurableTuning(
    string Source, TimeSpan MaxQueuePollingInterval, int PartitionCount,
    int? ControlQueueBatchSize = null, int? ControlQueueBufferThreshold = null, int? MaxConcurrentActivities = null, int? MaxConcurrentOrchestrations = null)
{
    /// <summary>The settings under <c>extensions.durableTask</c> this reads; any other key there is refused, so a typo is not silently ignored.</summary>
    public static readonly IReadOnlySet<string> DurableTaskKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "hubName", "overridableExistingInstanceStates", "storageProvider", "maxConcurrentActivityFunctions", "maxConcurrentOrchestratorFunctions",
    };

    /// <summary>The settings under <c>extensions.durableTask.storageProvider</c> this reads; any other key there is refused.</summary>
    public static readonly IReadOnlySet<string> StorageProviderKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "maxQueuePollingInterval", "partitionCount", "controlQueueBatchSize", "controlQueueBufferThreshold",
    };

    /// <summary>
    /// The DevHost's own tuning: an idle queue is polled at least every second (Azure's default is 30 s) so a local
    /// alert is picked up at once, and one partition, as one DevHost is the only worker.
    /// </summary>
    public static DurableTuning Local { get; } = new("DevHost local tuning", TimeSpan.FromSeconds(1), 1);

    /// <summary>Reads the production tuning from a host.json's text; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static DurableTuning FromHostJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{source} is not JSON: {ex.Message}", ex);
        }

        var durable = root?["extensions"]?["durableTask"] as JsonObject ?? throw new FormatException($"{source} has no extensions.durableTask section.");
        Unknown(durable, DurableTaskKeys, "extensions.durableTask", source);
        var provider = durable["storageProvider"] as JsonObject ?? throw new FormatException($"{source} has no extensions.durableTask.storageProvider section.");
        Unknown(provider, StorageProviderKeys, "extensions.durableTask.storageProvider", source);

        var polling = provider["maxQueuePollingInterval"]?.GetValue<string>() is { } text
            && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero
                ? parsed
                : throw new FormatException($"{source}: extensions.durableTask.storageProvider.maxQueuePollingInterval must be a positive hh:mm:ss time span.");
        return new DurableTuning(source, polling,
            Int(provider, "partitionCount", 1, 16, source) ?? 4,
            Int(provider, "controlQueueBatchSize", 1, 32, source),
            Int(provider, "controlQueueBufferThreshold", 1, 1000, source),
            Int(durable, "maxConcurrentActivityFunctions", 1, 1000, source),
            Int(durable, "maxConcurrentOrchestratorFunctions", 1, 1000, source));
    }

    /// <summary>Applies the tuning to the backend's settings.</summary>
    public void ApplyTo(AzureStorageOrchestrationServiceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.MaxQueuePollingInterval = MaxQueuePollingInterval;
        settings.PartitionCount = PartitionCount;
        if (ControlQueueBatchSize is { } batch)
        {
            settings.ControlQueueBatchSize = batch;
        }

        if (ControlQueueBufferThreshold is { } buffer)
        {
            settings.ControlQueueBufferThreshold = buffer;
        }

        if (MaxConcurrentActivities is { } activities)
        {
            settings.MaxConcurrentTaskActivityWorkItems = activities;
        }

        if (MaxConcurrentOrchestrations is { } orchestrations)
        {
            settings.MaxConcurrentTaskOrchestrationWorkItems = orchestrations;
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Source}: polling ≤ {MaxQueuePollingInterval.TotalSeconds:0.###} s, {PartitionCount} partition(s), batch {ControlQueueBatchSize?.ToString(CultureInfo.InvariantCulture) ?? "default"}, buffer {ControlQueueBufferThreshold?.ToString(CultureInfo.InvariantCulture) ?? "default"}, activities {MaxConcurrentActivities?.ToString(CultureInfo.InvariantCulture) ?? "default"}, orchestrations {MaxConcurrentOrchestrations?.ToString(CultureInfo.InvariantCulture) ?? "default"}");

    private static void Unknown(JsonObject section, IReadOnlySet<string> known, string path, string source)
    {
        var unknown = section.Select(p => p.Key).Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException($"{source}: {path} has settings this pipeline does not know: {string.Join(", ", unknown)} (known: {string.Join(", ", known.Order(StringComparer.Ordinal))}).");
        }
    }

    private static int? Int(JsonObject section, string key, int min, int max, string source)
    {
        if (section[key] is not { } node)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.Number && node.GetValue<double>() is var value && value == Math.Floor(value) && value >= min && value <= max
            ? (int)value
            : throw new FormatException($"{source}: {key} must be a whole number from {min} to {max}.");
    }
}
