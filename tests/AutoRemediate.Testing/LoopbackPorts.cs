using System.Net;
using System.Net.Sockets;

namespace AutoRemediate.Testing;

/// <summary>Free loopback ports for the local stack a test starts.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct free ports. All are held until all are picked: asking the OS for
    /// one port at a time can return a port it just handed out (Azurite then failed with EADDRINUSE on its
    /// own second port).
    /// </summary>
    public static int[] Free(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

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
}
