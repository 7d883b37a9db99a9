using System.Collections.Concurrent;

namespace AutoRemediate.Sandbox;

/// <summary>One request the Sandbox served, for tests to assert on (e.g. "exactly one restart").</summary>
public sealed record LoggedRequest(long Sequence, DateTimeOffset At, string Method, string Path, string Query, int Status, bool HadBearerToken);

/// <summary>Every request the Sandbox served, in order. Bounded so a long DevHost run cannot grow it forever.</summary>
public sealed class RequestLog
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<LoggedRequest> _entries = new();
    private long _sequence;

    public void Add(string method, string path, string query, int status, bool hadBearerToken)
    {
        _entries.Enqueue(new LoggedRequest(Interlocked.Increment(ref _sequence), DateTimeOffset.UtcNow, method, path, query, status, hadBearerToken));
        while (_entries.Count > Capacity && _entries.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<LoggedRequest> Snapshot() => [.. _entries];
}
