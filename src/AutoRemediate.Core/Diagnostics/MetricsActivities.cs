using System.Globalization;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
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
    /// <summary>The evidence blob (<c>{incident}/criteria.json</c>) holding the alert's criteria beside <c>metrics.json</c>.</summary>
    public const string CriteriaBlobName = "criteria";

    /// <summary>The evidence blob (<c>{incident}/metrics.json</c>) holding the series read around the alert.</summary>
    public const string MetricsBlobName = "metrics";

    private readonly IMetricsClient _metrics;
    private readonly IAlertsClient _alerts;
    private readonly EvidenceBlobs _evidence;
    private readonly IOptions<PolicyOptions> _policy;
    private readonly IIncidentStore _incidents;

    /// <summary>Creates the activities.</summary>
    public MetricsActivities(IMetricsClient metrics, IAlertsClient alerts, EvidenceBlobs evidence, IOptions<PolicyOptions> policy, IIncidentStore incidents)
    {
        _metrics = metrics;
        _alerts = alerts;
        _evidence = evidence;
        _policy = policy;
        _incidents = incidents;
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

        // The alert's condition as Azure Monitor judges it. A static criterion is evaluated over the rule's
        // own window with its aggregation and operator (a 5-minute Total does not clear with one quiet
        // minute); the alert's state in Azure Monitor is a second opinion: Fired counts as still breaching
        // (a metric alert resolves only after three clean checks). A dynamic threshold moves, so the alert's
        // state is the only answer: Fired holds, Resolved clears, unreadable is undetermined (never healthy).
        var criteria = request.Criteria.DistinctBy(c => c.Metric, StringComparer.OrdinalIgnoreCase).ToList();
        var alert = await ReadAlertAsync(criteria, notes, cancellationToken).ConfigureAwait(false);
        var breaching = new List<string>();
        var undetermined = new List<string>();
        foreach (var condition in criteria)
        {
            if (IsDynamic(condition))
            {
                if (alert is { IsFired: true })
                {
                    breaching.Add(condition.Metric);
                }
                else if (alert is not { IsResolved: true })
                {
                    undetermined.Add(condition.Metric);
                }

                continue;
            }

            var windowBreaches = false;
            if (double.TryParse(condition.Threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
            {
                var window = condition.EffectiveWindow;
                var aggregation = condition.Aggregation ?? "Average";
                var own = await ReadAsync(request.SiteResourceId, [condition.Metric], [aggregation], false, MetricMath.MinuteOf(request.End) - window).ConfigureAwait(false);
                windowBreaches = MetricMath.OverWindow(own, condition.Metric, aggregation, request.End, window) is { } value
                    && MetricMath.Breaches(value, condition.Operator, threshold);
            }

            if (windowBreaches || alert is { IsFired: true })
            {
                breaching.Add(condition.Metric);
            }
        }

        if (alert is { IsFired: true } && criteria.Count > 0)
        {
            notes.Add("Azure Monitor still reports the alert Fired (a metric alert resolves after three consecutive clean checks).");
        }

        string? blob = null;
        if (request.KeepEvidence && series.Count > 0)
        {
            blob = await _evidence.WriteJsonAsync(request.IncidentId, MetricsBlobName, series, cancellationToken).ConfigureAwait(false);
            if (criteria.Count > 0)
            {
                // Beside the series, the conditions they were judged against: the incident page draws the threshold from it.
                await _evidence.WriteJsonAsync(request.IncidentId, CriteriaBlobName, criteria, cancellationToken).ConfigureAwait(false);
            }
        }

        return new MetricsSummary(instances, queue, breaching, blob, notes, undetermined.Count > 0 ? undetermined : null);
    }

    private static bool IsDynamic(AlertCriterion criterion) =>
        criterion.Dynamic || string.Equals(criterion.Operator, "GreaterOrLessThan", StringComparison.OrdinalIgnoreCase);

    // The alert's own state, or null (with a note) when it cannot be had: no alert id, an id outside the
    // alert-id grammar (untrusted input: never fetched), or any failure reading it (403 without Monitoring
    // Reader, 404 after the 30 days Azure keeps alerts, ...; a 404 is noted only when a dynamic threshold needs the state).
    private async Task<AlertStatus?> ReadAlertAsync(IReadOnlyList<AlertCriterion> criteria, List<string> notes, CancellationToken cancellationToken)
    {
        if (criteria.Select(c => c.AlertId).FirstOrDefault(id => id is not null) is not { } alertId)
        {
            return null;
        }

        if (AlertIds.Canonical(alertId) is null)
        {
            notes.Add("The alert's state in Azure Monitor was not read: its id is not an Azure Monitor alert id.");
            return null;
        }

        try
        {
            var status = await _alerts.GetAlertAsync(alertId, cancellationToken).ConfigureAwait(false);
            if (status.IsFired || status.IsResolved)
            {
                return status;
            }

            notes.Add($"The alert's state in Azure Monitor is unknown (monitorCondition '{Display.FirstLine(status.MonitorCondition ?? "absent")}').");
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && !criteria.Any(IsDynamic))
        {
            // Azure Monitor does not know the alert (posted by hand, or older than the 30 days it keeps
            // alerts): a static rule has no second opinion then, and its own evaluation stands.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            notes.Add($"The alert's state in Azure Monitor could not be read: {Display.Failure(ex)}");
        }

        return null;
    }

    /// <summary>
    /// <see cref="ActivityNames.CheckHealth"/>: one verification poll. Healthy when the alert's
    /// own condition no longer holds (over the rule's window, and Azure Monitor does not report the alert
    /// Fired) and no instance is over the policy's thresholds.
    /// </summary>
    public async Task<HealthReading> CheckHealthAsync(MetricsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metrics = await CollectMetricsAsync(request with { KeepEvidence = false }, cancellationToken).ConfigureAwait(false);
        var health = HealthVerdict.Judge(metrics, _policy.Value);
        if (request.Entry is { } entry && health.Healthy != entry.LastHealthy)
        {
            // The verdict changed: its entry, at the position the workflow gave (idempotent: a retry writes the same row).
            await _incidents.AppendTimelineAsync(new TimelineEntry(request.IncidentId, entry.Sequence, request.End,
                health.Healthy ? TimelineKinds.HealthyAgain : TimelineKinds.StillUnhealthy, health.Summary), cancellationToken).ConfigureAwait(false);
        }

        return health;
    }
}
