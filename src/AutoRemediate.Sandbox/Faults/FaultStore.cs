namespace AutoRemediate.Sandbox.Faults;

/// <summary>The body of <c>POST /sandbox/faults</c>.</summary>
public sealed class FaultRequest
{
    /// <summary>Only requests with this method (any when absent).</summary>
    public string? Method { get; init; }

    /// <summary>Only requests whose path contains this (case-insensitive). Required.</summary>
    public string? PathContains { get; init; }

    /// <summary>Answer with this status (and an ARM error body) instead of handling the request.</summary>
    public int? Status { get; init; }

    /// <summary>Sends <c>Retry-After</c> with this many seconds (with <see cref="Status"/>).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>How many matching requests get the fault (default 1).</summary>
    public int? Times { get; init; }

    /// <summary>Wait this long before answering (normally, or with <see cref="Status"/>).</summary>
    public int? DelayMs { get; init; }

    /// <summary>Dump routes: write this many bytes, then drop the connection.</summary>
    public long? BreakAfterBytes { get; init; }

    /// <summary>Dump routes: the dump's size for the matching requests.</summary>
    public long? DumpSizeBytes { get; init; }

    /// <summary>Plan PATCH: <c>sync</c> (200 at once) or <c>async</c> (202 and an operation).</summary>
    public string? LroMode { get; init; }

    /// <summary>
    /// Plan PATCH: <c>Failed</c> makes the operation end Failed without applying the change. ACS Email
    /// <c>emails:send</c>: <c>Failed</c> makes the send operation end Failed, <c>Running</c> keeps it running.
    /// </summary>
    public string? LroResult { get; init; }

    /// <summary>The error code in the body (default by status, e.g. TooManyRequests for 429).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The error message in the body.</summary>
    public string? Message { get; init; }
}

/// <summary>One injected fault and how often it has been applied.</summary>
public sealed record FaultRule(
    string Id,
    string? Method,
    string PathContains,
    int? Status,
    int? RetryAfterSeconds,
    int Times,
    int? DelayMs,
    long? BreakAfterBytes,
    long? DumpSizeBytes,
    string? LroMode,
    string? LroResult,
    string? ErrorCode,
    string? Message)
{
    public int Applied { get; init; }

    public int Remaining => Math.Max(0, Times - Applied);
}

/// <summary>
/// Faults the tests inject. Checked in creation order; the first one that matches a request and has
/// uses left is applied (and used up by one); at most one fault per request.
/// </summary>
public sealed class FaultStore
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private int _nextId;

    /// <summary>Validates and stores a fault; returns the problem instead when the request is not usable.</summary>
    public (FaultRule? Rule, string? Problem) Add(FaultRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problem = Validate(request);
        if (problem is not null)
        {
            return (null, problem);
        }

        lock (_gate)
        {
            var rule = new FaultRule(
                $"fault-{++_nextId}",
                request.Method?.ToUpperInvariant(),
                request.PathContains!,
                request.Status,
                request.RetryAfterSeconds,
                request.Times ?? 1,
                request.DelayMs,
                request.BreakAfterBytes,
                request.DumpSizeBytes,
                request.LroMode?.ToLowerInvariant(),
                request.LroResult,
                request.ErrorCode,
                request.Message);
            _rules.Add(rule);
            return (rule, null);
        }
    }

    public IReadOnlyList<FaultRule> Snapshot()
    {
        lock (_gate)
        {
            return [.. _rules];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            return _rules.RemoveAll(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase)) > 0;
        }
    }

    /// <summary>The fault for this request, if any, counted as applied.</summary>
    public FaultRule? Take(string method, string path)
    {
        lock (_gate)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if (rule.Remaining > 0
                    && (rule.Method is null || string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase))
                    && path.Contains(rule.PathContains, StringComparison.OrdinalIgnoreCase))
                {
                    _rules[i] = rule with { Applied = rule.Applied + 1 };
                    return _rules[i];
                }
            }

            return null;
        }
    }

    private static string? Validate(FaultRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.PathContains))
        {
            return "pathContains is required.";
        }

        if (request.Status is < 100 or > 599)
        {
            return "status must be an HTTP status code (100-599).";
        }

        if (request.Times is < 1)
        {
            return "times must be at least 1.";
        }

        if (request.DelayMs is < 0 or > 600_000 || request.RetryAfterSeconds is < 0)
        {
            return "delayMs must be 0-600000 and retryAfterSeconds not negative.";
        }

        if (request.BreakAfterBytes is < 0 || request.DumpSizeBytes is < 0)
        {
            return "breakAfterBytes and dumpSizeBytes must not be negative.";
        }

        if (request.LroMode is not null and not ("sync" or "async" or "Sync" or "Async"))
        {
            return "lroMode must be sync or async.";
        }

        if (request.LroResult is not null && !new[] { "Failed", "Succeeded", "Running" }.Contains(request.LroResult, StringComparer.OrdinalIgnoreCase))
        {
            return "lroResult must be Succeeded, Failed or Running (Running: ACS Email operations only).";
        }

        return null;
    }
}
