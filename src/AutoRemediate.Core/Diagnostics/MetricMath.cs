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

    /// <summary>
    /// Whether <paramref name="value"/> meets a static alert condition (<paramref name="op"/> as Azure
    /// Monitor spells it, any case). Dynamic thresholds and unknown operators never count.
    /// </summary>
    public static bool Breaches(double value, string? op, double threshold) => op?.ToUpperInvariant() switch
    {
        "GREATERTHANOREQUAL" => value >= threshold,
        "LESSTHAN" => value < threshold,
        "LESSTHANOREQUAL" => value <= threshold,
        "EQUALS" => Math.Abs(value - threshold) < 1e-9,
        "GREATERTHAN" => value > threshold,
        _ => false, // dynamic thresholds and unknown operators: cannot tell, so not counted
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
