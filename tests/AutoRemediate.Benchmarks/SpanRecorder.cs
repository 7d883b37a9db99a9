using System.Collections.Concurrent;
using System.Diagnostics;

/// <summary>Records every finished span (System.Diagnostics.Activity) in this process.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => Spans.Add(new Span(a.Source.Name, a.OperationName, a.DisplayName, a.StartTimeUtc, a.Duration, a.TraceId.ToHexString(),
                a.TagObjects.Where(t => t.Value is not null).ToDictionary(t => t.Key, t => t.Value!.ToString() ?? string.Empty))),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentBag<Span> Spans { get; } = [];

    public void Dispose() => _listener.Dispose();

    internal sealed record Span(string Source, string Operation, string Name, DateTime Start, TimeSpan Duration, string TraceId, IReadOnlyDictionary<string, string> Tags)
    {
        public DateTime End => Start + Duration;
    }
}
