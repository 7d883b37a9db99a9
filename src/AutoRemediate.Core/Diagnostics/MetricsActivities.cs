using System.Globalization;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;
using Azure;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Diagnostics;

/// <summary>
/// Evidence from Azure Monitor metrics: the per-instance figures around the alert, and the
/// verification poll that judges them. Reads are idempotent; the evidence blob is written under a fixed name.
/// </summary>
public sealed class MetricsActivities
{
    private readonly IMetricsClient _metrics;
    private readonly EvidenceBlobs _evidence;
    private readonly IOptions<PolicyOptions> _policy;

    /// <summary>Creates the activities.</summary>
    public MetricsActivities(IMetricsClient metrics, EvidenceBlobs evidence, IOptions<PolicyOptions> policy)
    {
        _metrics = metrics;
        _evidence = evidence;
        _policy = policy;
    }

    /// <summary>
    /// <see cref="ActivityNames.CollectMetrics"/>: per-instance figures from the site and plan
    /// metrics, and whether the alert's own condition still holds. The full series go to the evidence
    /// container; a metric that cannot be read is noted and the rest is still returned.
    /// </summary>
    public async Task<MetricsSummary> CollectMetricsAsync(MetricsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var notes = new List<string>();
        var series = new List<MetricSeries>();
        var interval = TimeSpan.FromMinutes(1);

        async Task<IReadOnlyList<MetricSeries>> ReadAsync(string resource, IReadOnlyList<string> names, IReadOnlyList<string> aggregations, bool split, DateTimeOffset start)
        {
            try
            {
                var read = await _metrics.GetMetricsAsync(resource, new MetricsQuery(names, start, request.End, interval, aggregations, split), cancellationToken).ConfigureAwait(false);
                series.AddRange(read);
                return read;
            }
            catch (RequestFailedException ex)
            {
                notes.Add($"Metrics {string.Join(", ", names)} could not be read ({ex.Status}): {Display.FirstLine(ex.Message)}");
                return [];
            }
        }

        var site = await ReadAsync(request.SiteResourceId, MetricNames.SitePerInstance, ["Average", "Total"], true, request.Start).ConfigureAwait(false);
        IReadOnlyList<MetricSeries> plan = [];
        double? queue = null;
        if (request.PlanResourceId is { } planId)
        {
            plan = await ReadAsync(planId, MetricNames.PlanPerInstance, ["Average"], true, request.Start).ConfigureAwait(false);
            queue = MetricMath.Latest(await ReadAsync(planId, [MetricNames.HttpQueueLength], ["Average"], false, request.Start).ConfigureAwait(false), MetricNames.HttpQueueLength, null, "Average");
        }

        var instances = MetricMath.PerInstance(site, plan);

        var breaching = new List<string>();
        foreach (var condition in request.Criteria.DistinctBy(c => c.Metric, StringComparer.OrdinalIgnoreCase))
        {
            if (!double.TryParse(condition.Threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
            {
                continue;
            }

            var aggregation = condition.Aggregation ?? "Average";
            var own = await ReadAsync(request.SiteResourceId, [condition.Metric], [aggregation], false, request.End.AddMinutes(-5)).ConfigureAwait(false);
            if (MetricMath.Latest(own, condition.Metric, null, aggregation) is { } value && MetricMath.Breaches(value, condition.Operator, threshold))
            {
                breaching.Add(condition.Metric);
            }
        }

        string? blob = null;
        if (request.KeepEvidence && series.Count > 0)
        {
            blob = await _evidence.WriteJsonAsync(request.IncidentId, "metrics", series, cancellationToken).ConfigureAwait(false);
        }

        return new MetricsSummary(instances, queue, breaching, blob, notes);
    }

    /// <summary>
    /// <see cref="ActivityNames.CheckHealth"/>: one verification poll. Healthy when the alert's
    /// own condition no longer holds and no instance is over the policy's thresholds.
    /// </summary>
    public async Task<HealthReading> CheckHealthAsync(MetricsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metrics = await CollectMetricsAsync(request with { KeepEvidence = false }, cancellationToken).ConfigureAwait(false);
        return HealthVerdict.Judge(metrics, _policy.Value);
    }
}
