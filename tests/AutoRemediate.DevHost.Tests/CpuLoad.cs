namespace AutoRemediate.DevHost.Tests;

/// <summary>A busy machine on demand: one thread per core spinning until disposed (stops at the latest after a minute).</summary>
internal sealed class CpuLoad : IDisposable
{
    private static readonly TimeSpan s_longest = TimeSpan.FromMinutes(1);
    private readonly CancellationTokenSource _stop = new(s_longest);
    private readonly Thread[] _threads;
    private bool _disposed;

    private CpuLoad()
    {
        _threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(Spin) { IsBackground = true, Name = "CpuLoad" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    public static CpuLoad Start() => new();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _stop.Dispose();
    }

    private void Spin()
    {
        var token = _stop.Token;
        var x = 0UL;
        while (!token.IsCancellationRequested)
        {
            x = (x * 6364136223846793005UL) + 1442695040888963407UL;
        }

        GC.KeepAlive(x);
    }
}
