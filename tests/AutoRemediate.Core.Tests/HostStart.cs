using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Core.Tests;

/// <summary>Starts a generic host with Core's real registrations, as the Function App and the DevHost do, to see what start-up validation refuses.</summary>
internal static class HostStart
{
    /// <summary>Builds and starts a host over <paramref name="settings"/> (plus a storage connection, never dialled at start) and stops it again.</summary>
    public static async Task StartAndStopAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddAutoRemediate(builder.Configuration);
        using var host = builder.Build();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(cancel.Token);
        await host.StopAsync(cancel.Token);
    }
}
