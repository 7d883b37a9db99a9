using AutoRemediate.DevHost;
using Microsoft.Extensions.Configuration;

namespace AutoRemediate.Testing;

/// <summary>The DevHost booted in this process on free loopback ports, with its own Sandbox, against the given storage.</summary>
public static class InProcessDevHost
{
    /// <summary>Starts it; <paramref name="settings"/> add to or override the defaults (configuration keys, ':' separated).</summary>
    public static Task<DevHostRunner> StartAsync(string storageConnectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            [ConfigKeys.DevHostUrls] = "http://127.0.0.1:0",
            [ConfigKeys.DevHostSandboxUrl] = "https://127.0.0.1:0",
            // In-process tests run on the fast in-memory Durable backend; DevHostProcessTests covers Azure Storage.
            [ConfigKeys.DevHostDurableBackend] = DurableBackends.InMemory,
            // Mail only where a test asks for it (it then sets DevHost:StartMailDev or Mail:Host).
            [ConfigKeys.DevHostStartMailDev] = "false",
            [ConfigKeys.StorageConnection] = storageConnectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return DevHostRunner.StartAsync([], builder => builder.Configuration.AddInMemoryCollection(all));
    }
}
