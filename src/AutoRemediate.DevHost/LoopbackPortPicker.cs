using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AutoRemediate.DevHost;

/// <summary>
/// Picks loopback ports for the parts the DevHost starts (MailDev, the gRPC sidecar, a port 0 pipeline
/// address) and for tests.
/// </summary>
/// <remarks>
/// Ports are drawn at random from <em>below</em> the OS's ephemeral range. A port the OS hands out for
/// <c>bind(0)</c> comes from the ephemeral range, and so does the local port of every outgoing connection
/// any process opens: between our check and the child's <c>listen</c>, a busy machine's HTTP client could
/// take it, and Azurite then died with EADDRINUSE (seen in CI). Below that range only listeners live, and
/// each candidate is checked by binding it, so a port something already listens on is never returned.
/// </remarks>
public static class LoopbackPortPicker
{
    // Above Azurite's well-known ports (10000-10002) and the usual development ports.
    private const int Lowest = 10100;

    private static readonly Lazy<int> EphemeralStart = new(ReadEphemeralStart);

    /// <summary><paramref name="count"/> distinct loopback ports that nothing listens on right now.</summary>
    public static int[] Pick(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = new List<TcpListener>(count);
        try
        {
            var highest = EphemeralStart.Value - 1;
            for (var attempt = 0; listeners.Count < count && attempt < 200; attempt++)
            {
                var candidate = Random.Shared.Next(Lowest, highest + 1);
                if (TryHold(candidate) is { } listener)
                {
                    listeners.Add(listener);
                }
            }

            // A machine whose ephemeral range starts very low, or that is full: let the OS choose.
            while (listeners.Count < count)
            {
                listeners.Add(TryHold(0) ?? throw new InvalidOperationException("No free loopback port."));
            }

            // All are held until all are picked, so the same port is never returned twice.
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private static TcpListener? TryHold(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            listener.Stop();
            return null;
        }
    }

    /// <summary>The first port of the ephemeral range: Linux says it in /proc; elsewhere the IANA range (49152).</summary>
    private static int ReadEphemeralStart()
    {
        const int iana = 49152;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            var first = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            var start = int.Parse(first, NumberStyles.None, CultureInfo.InvariantCulture);
            return start > Lowest + 1000 ? start : iana;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            return iana;
        }
    }
}
