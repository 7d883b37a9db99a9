using System.Collections.Concurrent;

namespace AutoRemediate.Sandbox;

/// <summary>
/// One request the Sandbox served, for tests to assert on (e.g. "exactly one restart"). Status is what
/// the client got, including injected faults (<see cref="FaultId"/> names the fault applied).
/// </summary>
public sealed record LoggedRequest(long Sequence, DateTimeOffset At, string Method, string Path, string Query, int Status, bool HadBearerToken, string? FaultId = null);

/// <summary>Every request the Sandbox served, in order. Bounded so a long DevHost run cannot grow it forever.</summary>
public sealed class RequestLog
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<LoggedRequest> _entries = new();
    private readonly TimeProvider _time;
    private long _sequence;

    public RequestLog()
        : this(TimeProvider.System)
    {
    }

    public RequestLog(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    public void Add(string method, string path, string query, int status, bool hadBearerToken, string? faultId = null)
    {
        _entries.Enqueue(new LoggedRequest(Interlocked.Increment(ref _sequence), _time.GetUtcNow(), method, path, query, status, hadBearerToken, faultId));
        while (_entries.Count > Capacity && _entries.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<LoggedRequest> Snapshot() => [.. _entries];

    /// <summary>Forgets every entry (POST /sandbox/reset).</summary>
    public void Clear() => _entries.Clear();
}
