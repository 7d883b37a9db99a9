using AutoRemediate.Azure;
using AutoRemediate.Evidence;

namespace AutoRemediate.Diagnostics;

/// <summary>The arithmetic over Azure Monitor series that the metrics activities need. Pure.</summary>
public static class MetricMath
{
    /// <summary>
    /// The latest value of <paramref name="aggregation"/> (Average, Total, Maximum, Minimum, Count; any
    /// other name reads Average) in the first series of <paramref name="metric"/> for
    /// <paramref name="instance"/> (null: the first series of that metric, whatever its instance).
    /// Points without that aggregation are skipped back to the last one that has it; null when none has.
    /// </summary>
    public static double? Latest(IReadOnlyList<MetricSeries> series, string metric, string? instance, string aggregation)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(aggregation);
        var match = series.FirstOrDefault(s => string.Equals(s.Metric, metric, StringComparison.OrdinalIgnoreCase)
            && (instance is null || string.Equals(s.Instance, instance, StringComparison.OrdinalIgnoreCase)));
        if (match is null)
        {
            return null;
        }

        for (var i = match.Points.Count - 1; i >= 0; i--)
        {
            var p = match.Points[i];
            var value = aggregation.ToUpperInvariant() switch
            {
                "TOTAL" => p.Total,
                "MAXIMUM" => p.Maximum,
                "MINIMUM" => p.Minimum,
                "COUNT" => p.Count,
                _ => p.Average,
            };
            if (value is not null)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The window a metric alert rule looks back over when it does not say (Azure Monitor's default lookback, PT5M).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The value of <paramref name="aggregation"/> over the rule's window, computed from 1-minute points
    /// as Azure Monitor aggregates a metric alert's lookback period: Total and Count are the sums of the
    /// minutes' totals and counts, Maximum the largest maximum, Minimum the smallest minimum, Average the
    /// mean of the minutes' averages (any other name reads Average, as <see cref="Latest"/> does). The
    /// window is what the rule's lookback holds when evaluated at <paramref name="end"/>: the 1-minute points
    /// of the minute <paramref name="end"/> falls in and of the minutes before it, as many as the window
    /// spans (their starts in (<see cref="MinuteOf"/>(end) − <paramref name="window"/>, end]), the minute in
    /// progress included as far as it has data (leaving it out would add a minute to every recovery, and a
    /// 1-minute rule would never see the present), in the first series of
    /// <paramref name="metric"/>; points without that aggregation are left out; null when none in the
    /// window has it.
    /// </summary>
    /// <remarks>
    /// Azure averages the raw samples of the whole window; the mean of per-minute averages equals it when
    /// every minute holds as many samples, which is as close as 1-minute points allow.
    /// </remarks>
    public static double? OverWindow(IReadOnlyList<MetricSeries> series, string metric, string aggregation, DateTimeOffset end, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(aggregation);
        var match = series.FirstOrDefault(s => string.Equals(s.Metric, metric, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return null;
        }

        var start = MinuteOf(end) - window;
        var kind = aggregation.ToUpperInvariant();
        var values = match.Points
            .Where(p => p.Timestamp > start && p.Timestamp <= end)
            .Select(p => kind switch
            {
                "TOTAL" => p.Total,
                "MAXIMUM" => p.Maximum,
                "MINIMUM" => p.Minimum,
                "COUNT" => p.Count,
                _ => p.Average,
            })
            .OfType<double>()
            .ToList();
        if (values.Count == 0)
        {
            return null;
        }

        return kind switch
        {
            "TOTAL" or "COUNT" => values.Sum(),
            "MAXIMUM" => values.Max(),
            "MINIMUM" => values.Min(),
            _ => values.Average(),
        };
    }

    /// <summary>The start of the minute <paramref name="at"/> falls in (UTC): a rule's window is read from whole minutes.</summary>
    public static DateTimeOffset MinuteOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// Whether <paramref name="value"/> meets a static alert condition (<paramref name="op"/> as Azure
    /// Monitor spells it, any case: Equals, NotEquals, GreaterThan, GreaterThanOrEqual, LessThan,
    /// LessThanOrEqual). Dynamic-threshold operators and unknown ones never count here: only the alert's
    /// own state can tell (see <see cref="MetricsActivities"/>).
    /// </summary>
    public static bool Breaches(double value, string? op, double threshold) => op?.ToUpperInvariant() switch
    {
        "GREATERTHANOREQUAL" => value >= threshold,
        "LESSTHAN" => value < threshold,
        "LESSTHANOREQUAL" => value <= threshold,
        "EQUALS" => Math.Abs(value - threshold) < 1e-9,
        "NOTEQUALS" => Math.Abs(value - threshold) >= 1e-9,
        "GREATERTHAN" => value > threshold,
        _ => false, // dynamic thresholds (GreaterOrLessThan) and unknown operators: cannot tell, so not counted
    };

    /// <summary>
    /// The latest figures of every instance that appears in the site or plan series (ordinal order, each
    /// instance once whatever its case): plan memory and CPU, site 5xx, health check and working set.
    /// </summary>
    public static IReadOnlyList<InstanceMetrics> PerInstance(IReadOnlyList<MetricSeries> site, IReadOnlyList<MetricSeries> plan)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(plan);
        var instanceIds = site.Concat(plan).Select(s => s.Instance).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        return [.. instanceIds.Select(id => new InstanceMetrics(
            id,
            Latest(plan, MetricNames.MemoryPercentage, id, "Average"),
            Latest(plan, MetricNames.CpuPercentage, id, "Average"),
            Latest(site, MetricNames.Http5xx, id, "Total"),
            Latest(site, MetricNames.HealthCheckStatus, id, "Average"),
            Latest(site, MetricNames.MemoryWorkingSet, id, "Average")))];
    }
}
