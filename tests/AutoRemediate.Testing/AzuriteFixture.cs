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

        // Test assemblies run in parallel, each starting servers on ports picked free a moment before:
        // another process can take one in between. Then Azurite fails with EADDRINUSE and new ports are
        // picked, rather than losing every test of the assembly to a port race.
        for (var attempt = 1; ; attempt++)
        {
            var ports = LoopbackPorts.Free(3);
            try
            {
                s_launcher = await AzuriteLauncher.StartAsync(new AzuriteSettings(ports[0], ports[1], ports[2], Location: null));
                return;
            }
            catch (InvalidOperationException ex) when (attempt < 5 && ex.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
            }
        }
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
