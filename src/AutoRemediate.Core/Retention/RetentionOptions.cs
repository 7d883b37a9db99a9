using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Retention;

/// <summary>How long incidents and everything kept for them stay, and how a retention pass is bounded.</summary>
public sealed class RetentionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Retention";

    /// <summary>The default schedule: daily at 03:30 UTC.</summary>
    public const string DefaultSchedule = "0 30 3 * * *";

    /// <summary>
    /// When the Function App's timer runs a pass: a six-field NCRONTAB expression (seconds first), read by the timer
    /// binding as <c>%Retention:Schedule%</c>, so it must be set as an app setting (<c>Retention__Schedule</c>).
    /// Validated here too, so a typo stops the app at start with this message.
    /// </summary>
    [Required, RegularExpression(@"^\S+( \S+){5}$", ErrorMessage = "A six-field NCRONTAB expression, seconds first, such as '0 30 3 * * *'.")]
    public string Schedule { get; set; } = DefaultSchedule;

    /// <summary>Incidents opened longer ago than this (and closed, with no workflow running) are purged. At least a day.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "MaxAge is at least 1 day (1.00:00:00) and at most 3650 days.")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// The most incidents one pass purges (and the most stale running markers it removes), so a pass stays well inside
    /// the function timeout; the rest is left to the next pass.
    /// </summary>
    [Range(1, 1000)]
    public int MaxIncidentsPerPass { get; set; } = 100;

    /// <summary>The DevHost's equivalent of <see cref="Schedule"/>: it runs a pass this long after start and then at this interval.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DevHostInterval { get; set; } = TimeSpan.FromDays(1);
}
