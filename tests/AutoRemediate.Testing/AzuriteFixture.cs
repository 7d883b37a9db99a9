using AutoRemediate.DevHost;

namespace AutoRemediate.Testing;

/// <summary>
/// One Azurite per test run (per test assembly), on free loopback ports, in memory. Started from the
/// assembly initializer and stopped from the assembly cleanup; the launcher's guard process makes
/// sure it also dies if the test host is killed.
/// </summary>
public static class AzuriteFixture
{
    private static AzuriteLauncher? s_launcher;

    /// <summary>The running Azurite.</summary>
    public static AzuriteLauncher Launcher => s_launcher ?? throw new InvalidOperationException("AzuriteFixture.StartAsync was not called (assembly initialize).");

    /// <summary>Connection string for the Azure SDKs.</summary>
    public static string ConnectionString => Launcher.ConnectionString;

    /// <summary>Starts Azurite on three free ports.</summary>
    public static async Task StartAsync()
    {
        if (s_launcher is not null)
        {
            return;
        }

        var ports = LoopbackPorts.Free(3);
        s_launcher = await AzuriteLauncher.StartAsync(new AzuriteSettings(ports[0], ports[1], ports[2], Location: null));
    }

    /// <summary>Stops it.</summary>
    public static async Task StopAsync()
    {
        if (s_launcher is { } launcher)
        {
            s_launcher = null;
            await launcher.DisposeAsync();
        }
    }
}
