using AutoRemediate.Alerts;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;

namespace AutoRemediate.Diagnostics;

// WARNING: every type in this file travels in orchestration history (activity inputs and outputs).
// In-flight instances replay against it: add members only as optional ones at the end. Keep them
// small: anything large goes to the evidence container and only its blob name travels here.

/// <summary>Input of the platform check.</summary>
/// <param name="IncidentId">The incident (its own opening is not counted twice by the fleet breaker).</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="Region">The app's region, when the site could be read.</param>
/// <param name="At">The orchestration's current time.</param>
public sealed record PlatformCheckRequest(string IncidentId, string TargetResourceId, string? Region, DateTimeOffset At);

/// <summary>What the platform check found.</summary>
/// <param name="Evidence">The facts the decision uses.</param>
/// <param name="Notes">One line per source, for the timeline (including sources that could not be read).</param>
public sealed record PlatformCheck(PlatformEvidence Evidence, IReadOnlyList<string> Notes);

/// <summary>Input of <see cref="ActivityNames.CollectProcesses"/>.</summary>
/// <param name="SiteResourceId">The site.</param>
/// <param name="InstanceId">The instance.</param>
public sealed record ProcessesRequest(string SiteResourceId, string InstanceId);

/// <summary>Input of <see cref="ActivityNames.CollectMetrics"/> and <see cref="ActivityNames.CheckHealth"/>.</summary>
/// <param name="IncidentId">The incident (names the evidence blob).</param>
/// <param name="SiteResourceId">The site.</param>
/// <param name="PlanResourceId">Its plan, for CPU, memory and queue figures per instance.</param>
/// <param name="Start">Window start.</param>
/// <param name="End">Window end.</param>
/// <param name="Criteria">The alert's own metric criteria: is the alert's condition still true?</param>
/// <param name="KeepEvidence">Store the full series in the evidence container.</param>
/// <param name="Entry">
/// CheckHealth only: write the verdict's timeline entry (HealthyAgain or StillUnhealthy) when it differs from the last one,
/// in the same activity (one activity a poll instead of two). Null: the workflow writes it (histories from before).
/// </param>
/// <remarks>Each criterion's own window is read back from <paramref name="End"/>; <paramref name="Start"/> bounds the per-instance figures only.</remarks>
public sealed record MetricsRequest(
    string IncidentId, string SiteResourceId, string? PlanResourceId, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyList<AlertCriterion> Criteria, bool KeepEvidence = true, HealthEntry? Entry = null);

/// <summary>Where a verification poll writes its verdict on the timeline, and the verdict before it.</summary>
/// <param name="Sequence">The timeline position for the entry.</param>
/// <param name="LastHealthy">The previous poll's verdict (null before the first): an entry is written only when it changes.</param>
public sealed record HealthEntry(int Sequence, bool? LastHealthy);

/// <summary>One metric criterion of the alert, as much as checking it again needs (kept small: it travels with every poll).</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Operator">GreaterThan, LessThan, ...</param>
/// <param name="Threshold">The threshold as sent.</param>
/// <param name="Aggregation">Average, Total, ...</param>
/// <param name="Window">The rule's lookback (windowSize), when sent; <see cref="MetricMath.DefaultWindow"/> otherwise.</param>
/// <param name="Dynamic">A dynamic-threshold criterion: its threshold moves, so only the alert's own state in Azure Monitor says whether it still holds.</param>
/// <param name="AlertId">
/// The alert instance whose state (monitorCondition) is read from Azure Monitor as the answer for a
/// dynamic threshold and a second opinion for a static one. Carried on the criterion so each poll's
/// input is self-contained; still untrusted (it came in the webhook), checked before any request.
/// </param>
public sealed record AlertCriterion(string Metric, string? Operator, string? Threshold, string? Aggregation, TimeSpan? Window = null, bool Dynamic = false, string? AlertId = null)
{
    /// <summary>The window the criterion is evaluated over (derived: not serialized).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan EffectiveWindow => Window is { } w && w > TimeSpan.Zero ? w : MetricMath.DefaultWindow;

    /// <summary>The metric criteria of an alert.</summary>
    public static IReadOnlyList<AlertCriterion> Of(AlertSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var dynamic = signal.Kind == SignalKind.MetricDynamic;
        return [.. (signal.Conditions ?? []).Where(c => c.MetricName is not null).Select(c => new AlertCriterion(
            c.MetricName!, c.Operator, c.Threshold, c.TimeAggregation, signal.Window?.Size, dynamic || c.Sensitivity is not null, signal.AlertId))];
    }
}

/// <summary>Input of <see cref="ActivityNames.CollectDetectors"/>.</summary>
/// <param name="IncidentId">The incident (names the evidence blob).</param>
/// <param name="SiteResourceId">The site.</param>
/// <param name="Start">Window start.</param>
/// <param name="End">Window end.</param>
public sealed record DetectorsRequest(string IncidentId, string SiteResourceId, DateTimeOffset Start, DateTimeOffset End);
