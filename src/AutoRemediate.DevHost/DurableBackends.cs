namespace AutoRemediate.DevHost;

/// <summary>The values of <see cref="DevHostOptions.DurableBackend"/>, spelled once.</summary>
public static class DurableBackends
{
    /// <summary>The Durable Task Azure Storage backend (Durable Functions' default) on the DevHost's storage: incidents survive a restart.</summary>
    public const string AzureStorage = "AzureStorage";

    /// <summary>An in-memory backend: fast, lost on exit; for tests.</summary>
    public const string InMemory = "InMemory";

    /// <summary>Every backend, in the order help and errors list them.</summary>
    public static IReadOnlyList<string> All { get; } = [AzureStorage, InMemory];
}
