using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AutoRemediate.DevHost.Tests;

[TestClass]
public sealed class LoopbackPortPickerTests
{
    [TestMethod]
    public void Pick_PortsAreDistinctFreeAndOutsideTheRangeOutgoingConnectionsUse()
    {
        var ephemeralStart = int.Parse(
            File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0],
            CultureInfo.InvariantCulture);

        var ports = LoopbackPortPicker.Pick(40);

        Assert.AreEqual(40, ports.Distinct().Count());
        Assert.IsTrue(ports.All(p => p >= 10100 && p < ephemeralStart), string.Join(", ", ports));
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [TestMethod]
    public void Pick_NeverReturnsAPortSomethingListensOn()
    {
        var held = LoopbackPortPicker.Pick(200).Select(p =>
        {
            var listener = new TcpListener(IPAddress.Loopback, p);
            listener.Start();
            return listener;
        }).ToList();
        try
        {
            var busy = held.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToHashSet();
            for (var i = 0; i < 50; i++)
            {
                Assert.IsFalse(LoopbackPortPicker.Pick(5).Any(busy.Contains));
            }
        }
        finally
        {
            held.ForEach(l => l.Stop());
        }
    }
}
