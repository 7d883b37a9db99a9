using AutoRemediate.Shared;

namespace AutoRemediate.Alerts;

/// <summary>Either a parsed <see cref="AlertSignal"/> or the reasons the payload was refused.</summary>
public sealed class AlertParseResult
{
    private AlertParseResult(AlertSignal? signal, IReadOnlyList<InputError> errors, string? title, string? ignoredAlertId = null, string? ignoredReason = null)
    {
        Signal = signal;
        Errors = errors;
        Title = title;
        IgnoredAlertId = ignoredAlertId;
        IgnoredReason = ignoredReason;
    }

    /// <summary>The signal, when the payload was valid.</summary>
    public AlertSignal? Signal { get; }

    /// <summary>What was wrong; empty when the payload was valid.</summary>
    public IReadOnlyList<InputError> Errors { get; }

    /// <summary>A one-line summary of the failure, when there is one.</summary>
    public string? Title { get; }

    /// <summary>
    /// Why a well-formed alert is acknowledged without action (it is not about an app), when it is;
    /// the answer is 200 <c>ignored</c>, not a 400.
    /// </summary>
    public string? IgnoredReason { get; }

    /// <summary>The alert id of an ignored alert.</summary>
    public string? IgnoredAlertId { get; }

    /// <summary>True when <see cref="Signal"/> is set.</summary>
    public bool IsValid => Signal is not null;

    /// <summary>True when the payload is well formed but not actionable (see <see cref="IgnoredReason"/>).</summary>
    public bool IsIgnored => IgnoredReason is not null;

    /// <summary>A successful parse.</summary>
    public static AlertParseResult Success(AlertSignal signal) => new(signal, [], null);

    /// <summary>A well-formed alert that is not about an app.</summary>
    public static AlertParseResult Ignored(string alertId, string reason) => new(null, [], null, alertId, reason);

    /// <summary>A refused payload.</summary>
    public static AlertParseResult Failure(string title, IReadOnlyList<InputError> errors) => new(null, errors, title);
}
