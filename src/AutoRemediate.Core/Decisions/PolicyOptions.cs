using System.ComponentModel.DataAnnotations;
using AutoRemediate.Actions;

namespace AutoRemediate.Decisions;

/// <summary>A recurring window (UTC) in which the pipeline must not act, e.g. a release freeze.</summary>
public sealed class FreezeWindow
{
    /// <summary>Days it applies to; empty means every day.</summary>
    public IList<DayOfWeek> Days { get; } = [];

    /// <summary>Start time of day (UTC).</summary>
    public TimeSpan Start { get; set; }

    /// <summary>End time of day (UTC); earlier than <see cref="Start"/> means it runs past midnight.</summary>
    public TimeSpan End { get; set; }

    /// <summary>A name for the timeline (e.g. "Black Friday freeze").</summary>
    public string Name { get; set; } = "freeze window";

    /// <summary>True when <paramref name="at"/> falls in the window.</summary>
    public bool Contains(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        var time = utc.TimeOfDay;
        if (Start <= End)
        {
            return (Days.Count == 0 || Days.Contains(utc.DayOfWeek)) && time >= Start && time < End;
        }

        // Past midnight: the part before midnight belongs to the listed day, the part after to the next.
        return time >= Start
            ? Days.Count == 0 || Days.Contains(utc.DayOfWeek)
            : time < End && (Days.Count == 0 || Days.Contains(utc.AddDays(-1).DayOfWeek));
    }
}

/// <summary>
/// The remediation policy: thresholds that classify the evidence, and the guardrails around acting.
/// Bound from configuration (section <c>Policy</c>) and validated at start.
/// </summary>
public sealed class PolicyOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Policy";

    /// <summary>Memory use (percent of the instance) that counts as high.</summary>
    [Range(1, 100)]
    public double MemoryHighPercent { get; set; } = 85;

    /// <summary>CPU use (percent) that counts as high.</summary>
    [Range(1, 100)]
    public double CpuHighPercent { get; set; } = 80;

    /// <summary>HTTP queue length that counts as high.</summary>
    [Range(1, 100_000)]
    public double HttpQueueHigh { get; set; } = 100;

    /// <summary>Worker restarts within the evidence window that count as a crash loop.</summary>
    [Range(1, 1000)]
    public int CrashRestartsHigh { get; set; } = 3;

    /// <summary>No second action on an app within this time after the last one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>At most this many actions per app in 24 hours.</summary>
    [Range(1, 100)]
    public int MaxActionsPerAppPerDay { get; set; } = 3;

    /// <summary>
    /// Recurrence: an app that needed more than this many restarts within <see cref="RecurrencePeriod"/> (before this
    /// incident) is not fixed by restarts; the plan's reason says so, and a restart plan goes to a person.
    /// </summary>
    [Range(1, 1000)]
    public int RecurrenceAfterRestarts { get; set; } = 3;

    /// <summary>The period <see cref="RecurrenceAfterRestarts"/> counts over.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")]
    public TimeSpan RecurrencePeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most this many actions running at once across the fleet.</summary>
    [Range(1, 1000)]
    public int MaxConcurrentActions { get; set; } = 5;

    /// <summary>Fleet breaker: this many apps alerting within <see cref="FleetWindow"/> means the platform, not the apps.</summary>
    [Range(2, 10_000)]
    public int FleetBreakerApps { get; set; } = 10;

    /// <summary>The window the fleet breaker counts over.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan FleetWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A Service Health incident stops counting as open when Azure has sent no update about it for this
    /// long: a notice whose resolution never reached the webhook must not block every remediation in its
    /// region for ever. Azure updates open incidents far more often than this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:30:00", "7.00:00:00")]
    public TimeSpan ServiceHealthNoticeMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Never scale a plan beyond this many instances (the plan's own maximum also applies).</summary>
    [Range(1, 100)]
    public int MaxInstanceCount { get; set; } = 10;

    /// <summary>The SKUs the pipeline may scale up through, smallest first.</summary>
    public IList<string> AllowedSkus { get; } = [];

    /// <summary>Windows in which nothing is done.</summary>
    public IList<FreezeWindow> FreezeWindows { get; } = [];

    /// <summary>Record what would be done, do nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Plans that run without asking people; by default every action needs approval.</summary>
    public IList<PlanKind> AutoApprovedPlans { get; } = [];

    /// <summary>
    /// Plans marked low-risk: asked for like any other, but when nobody decides before the request times out they go ahead
    /// instead of escalating. Never a further rung, nor a plan configuration may not approve (<c>Decision.NotByConfiguration</c>).
    /// Empty by default: a request nobody answers does nothing.
    /// </summary>
    public IList<PlanKind> LowRiskPlans { get; } = [];

    /// <summary>The SKU ladder in force (a Premium v3 ladder when none is configured).</summary>
    public IReadOnlyList<string> EffectiveSkus => AllowedSkus.Count > 0 ? [.. AllowedSkus] : ["P0v3", "P1v3", "P2v3", "P3v3"];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AllowedSkus.Any(string.IsNullOrWhiteSpace) || AllowedSkus.Distinct(StringComparer.OrdinalIgnoreCase).Count() != AllowedSkus.Count)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AllowedSkus)} must list distinct, non-empty SKU names, smallest first.", [nameof(AllowedSkus)]);
        }

        for (var i = 0; i < FreezeWindows.Count; i++)
        {
            var w = FreezeWindows[i];
            if (w.Start < TimeSpan.Zero || w.Start >= TimeSpan.FromDays(1) || w.End < TimeSpan.Zero || w.End > TimeSpan.FromDays(1) || w.Start == w.End)
            {
                yield return new ValidationResult(
                    $"{SectionName}:{nameof(FreezeWindows)}:{i} needs Start and End as times of day (00:00-24:00) that differ; got {w.Start} to {w.End}.", [nameof(FreezeWindows)]);
            }
        }

        if (AutoApprovedPlans.Contains(PlanKind.Escalate))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AutoApprovedPlans)} cannot contain Escalate: escalation is not an action.", [nameof(AutoApprovedPlans)]);
        }

        if (LowRiskPlans.Contains(PlanKind.Escalate))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(LowRiskPlans)} cannot contain Escalate: escalation is not an action.", [nameof(LowRiskPlans)]);
        }
    }
}
