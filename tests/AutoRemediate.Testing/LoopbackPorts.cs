namespace AutoRemediate.Testing;

/// <summary>Free loopback ports for the local stack a test starts.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct free ports, from below the ephemeral range (see
    /// <see cref="AutoRemediate.DevHost.LoopbackPortPicker"/>): a port from <c>bind(0)</c> could be taken by
    /// any outgoing connection on the machine before Azurite listened on it.
    /// </summary>
    public static int[] Free(int count) => AutoRemediate.DevHost.LoopbackPortPicker.Pick(count);
}
