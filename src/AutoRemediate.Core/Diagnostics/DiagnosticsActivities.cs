using System.Globalization;
using System.Text.Json;
using AutoRemediate.Azure;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Azure;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Diagnostics;

/// <summary>
/// The read-only activities: the platform check, the diagnostics fan-out, the verification poll and
/// the evidence dump. Each may run more than once for the same input (retries, at-least-once delivery);
/// reads are naturally idempotent and blobs are written under fixed names.
/// </summary>
public sealed class DiagnosticsActivities
{
    /// <summary>The detectors run for every incident (App Service diagnostics ids).</summary>
    public static readonly IReadOnlyList<string> Detectors = ["sitecrashes", "highcpuanalysis", "memoryusage"];

    // At most this many processes per instance are read in detail; the worker is among the first.
    private const int MaxProcessesPerInstance = 8;

    private readonly IAppServiceClient _appService;
    private readonly IPlatformNotices _notices;
    private readonly IIncidentStore _incidents;
    private readonly EvidenceBlobs _evidence;
    private readonly DumpUploader _dumps;
    private readonly IOptions<PolicyOptions> _policy;
    private readonly IOptions<EvidenceOptions> _evidenceOptions;
    private readonly TimeProvider _time;

    /// <summary>Creates the activities.</summary>
    public DiagnosticsActivities(
        IAppServiceClient appService, IPlatformNotices notices, IIncidentStore incidents, EvidenceBlobs evidence, DumpUploader dumps,
        IOptions<PolicyOptions> policy, IOptions<EvidenceOptions> evidenceOptions, TimeProvider time)
    {
        _time = time;
        _appService = appService;
        _notices = notices;
        _incidents = incidents;
        _evidence = evidence;
        _dumps = dumps;
        _policy = policy;
        _evidenceOptions = evidenceOptions;
    }

    /// <summary>
    /// <see cref="ActivityNames.CheckPlatform"/>: Resource Health of the app, open Service Health
    /// incidents for its region, and how many apps alerted within the fleet window. A source that cannot
    /// be read counts as "not at fault" and is noted: the decision then rests on the others.
    /// </summary>
    public async Task<PlatformCheck> CheckPlatformAsync(PlatformCheckRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var notes = new List<string>();
        var resourceHealth = false;
        try
        {
            var availability = await _appService.GetAvailabilityAsync(request.TargetResourceId, cancellationToken).ConfigureAwait(false);
            resourceHealth = availability.IsPlatformProblem;
            notes.Add(resourceHealth
                ? $"Resource Health: {availability.State}, platform-initiated: {availability.Summary}"
                : $"Resource Health: {availability.State}{(availability.ReasonType is { } reason ? $" ({reason})" : string.Empty)}.");
        }
        catch (RequestFailedException ex)
        {
            notes.Add($"Resource Health could not be read ({ex.Status} {ex.ErrorCode}); it is not counted.");
        }

        var serviceHealth = false;
        var open = (await _notices.ListAsync(cancellationToken).ConfigureAwait(false)).Where(n => n.IsOpenIncident && n.Covers(request.Region)).ToList();
        if (open.Count > 0)
        {
            serviceHealth = true;
            var first = open[0];
            notes.Add($"Service Health: incident {first.TrackingId} '{first.Title}' ({first.Service}) is open for {first.Regions}.");
        }
        else
        {
            notes.Add(request.Region is null
                ? "Service Health: the app's region is unknown; only global incidents were checked, none is open."
                : $"Service Health: no open incident for {request.Region}.");
        }

        var window = _policy.Value.FleetWindow;
        var apps = await _incidents.CountAppsAlertingSinceAsync(request.At - window, cancellationToken).ConfigureAwait(false);
        notes.Add($"Fleet: {apps} app(s) alerted in the last {window.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min (breaker at {_policy.Value.FleetBreakerApps}).");
        return new PlatformCheck(new PlatformEvidence(resourceHealth, serviceHealth, Math.Max(1, apps)), notes);
    }

    /// <summary><see cref="ActivityNames.CollectPlan"/>: the plan's SKU and scale, and any autoscale setting that targets it.</summary>
    public async Task<PlanEvidence> CollectPlanAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = await _appService.GetPlanAsync(planResourceId, cancellationToken).ConfigureAwait(false);
        var autoscale = (await _appService.FindAutoscaleSettingsAsync(planResourceId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(a => a.Enabled);
        return new PlanEvidence(plan.SkuName ?? "unknown", plan.Capacity ?? 1, plan.MaximumNumberOfWorkers ?? plan.Capacity ?? 1, autoscale?.Minimum, autoscale?.Maximum);
    }

    /// <summary><see cref="ActivityNames.CollectInstances"/>: the ids of the instances the site runs on.</summary>
    public async Task<IReadOnlyList<string>> CollectInstancesAsync(string siteResourceId, CancellationToken cancellationToken = default) =>
        [.. (await _appService.ListInstancesAsync(siteResourceId, cancellationToken).ConfigureAwait(false)).Select(i => i.InstanceId)];

    /// <summary>
    /// <see cref="ActivityNames.CollectProcesses"/>: the site's own processes on one instance
    /// (read in detail, because the list cannot tell the site's w3wp from Kudu's).
    /// </summary>
    public async Task<IReadOnlyList<WorkerProcess>> CollectProcessesAsync(ProcessesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var list = await _appService.ListProcessesAsync(request.SiteResourceId, request.InstanceId, cancellationToken).ConfigureAwait(false);
        var workers = new List<WorkerProcess>();
        foreach (var entry in list.Take(MaxProcessesPerInstance))
        {
            ProcessDetails details;
            try
            {
                details = await _appService.GetProcessAsync(request.SiteResourceId, request.InstanceId, entry.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                continue; // exited between the list and the read
            }

            if (!details.IsScmSite && !details.IsWebJob)
            {
                workers.Add(new WorkerProcess(request.InstanceId, details.Id, details.Name, details.WorkingSetBytes, details.PrivateMemoryBytes,
                    details.TotalCpuTime?.TotalSeconds, details.StartTime));
            }
        }

        return workers;
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
                var read = await _appService.GetMetricsAsync(resource, new MetricsQuery(names, start, request.End, interval, aggregations, split), cancellationToken).ConfigureAwait(false);
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
            queue = Latest(await ReadAsync(planId, [MetricNames.HttpQueueLength], ["Average"], false, request.Start).ConfigureAwait(false), MetricNames.HttpQueueLength, null, "Average");
        }

        var instanceIds = site.Concat(plan).Select(s => s.Instance).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var instances = instanceIds.Select(id => new InstanceMetrics(
            id,
            Latest(plan, MetricNames.MemoryPercentage, id, "Average"),
            Latest(plan, MetricNames.CpuPercentage, id, "Average"),
            Latest(site, MetricNames.Http5xx, id, "Total"),
            Latest(site, MetricNames.HealthCheckStatus, id, "Average"),
            Latest(site, MetricNames.MemoryWorkingSet, id, "Average"))).ToList();

        var breaching = new List<string>();
        foreach (var condition in request.Criteria.DistinctBy(c => c.Metric, StringComparer.OrdinalIgnoreCase))
        {
            if (!double.TryParse(condition.Threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
            {
                continue;
            }

            var aggregation = condition.Aggregation ?? "Average";
            var own = await ReadAsync(request.SiteResourceId, [condition.Metric], [aggregation], false, request.End.AddMinutes(-5)).ConfigureAwait(false);
            if (Latest(own, condition.Metric, null, aggregation) is { } value && Breaches(value, condition.Operator, threshold))
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
    /// <see cref="ActivityNames.CollectDetectors"/>: runs the App Service diagnostics detectors,
    /// keeps their responses as evidence and returns each verdict and the crash count per instance.
    /// </summary>
    public async Task<DetectorsSummary> CollectDetectorsAsync(DetectorsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var findings = new List<DetectorFinding>();
        var raw = new Dictionary<string, JsonElement>();
        var crashes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var detector in Detectors)
        {
            try
            {
                var response = await _appService.RunDetectorAsync(request.SiteResourceId, detector, request.Start, request.End, cancellationToken).ConfigureAwait(false);
                raw[detector] = response;
                var status = Json.Obj(Json.Obj(response, "properties"), "status");
                findings.Add(new DetectorFinding(detector, Json.Str(status, "statusId") ?? "Unknown", Display.FirstLine(Json.Str(status, "message") ?? string.Empty)));
                CountCrashes(response, crashes);
            }
            catch (RequestFailedException ex)
            {
                findings.Add(new DetectorFinding(detector, "Failed", $"could not run ({ex.Status}): {Display.FirstLine(ex.Message)}"));
            }
        }

        var blob = raw.Count > 0 ? await _evidence.WriteJsonAsync(request.IncidentId, "detectors", raw, cancellationToken).ConfigureAwait(false) : null;
        return new DetectorsSummary(findings, crashes, blob);
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

    /// <summary>
    /// <see cref="ActivityNames.CaptureDump"/>: streams a full memory dump of the process to the
    /// dumps container within the configured size and time budget. Never throws for a dump that cannot be
    /// taken: the outcome says why, and the mitigation goes ahead without it.
    /// </summary>
    public async Task<DumpOutcome> CaptureDumpAsync(DumpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = await DumpAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Sequence > 0)
        {
            var p = request.Process;
            await _incidents.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, _time.GetUtcNow(), outcome.Stored ? TimelineKinds.DumpCaptured : TimelineKinds.DumpSkipped, outcome.Stored
                ? $"Memory dump of {p.Name} (pid {p.ProcessId}) on instance {Display.ShortId(p.InstanceId)}: {outcome.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes in {outcome.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s, sha256 {outcome.Sha256}, at {outcome.BlobUri}"
                : $"No memory dump: {outcome.SkippedReason}. The mitigation goes ahead without it."), cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    private async Task<DumpOutcome> DumpAsync(DumpRequest request, CancellationToken cancellationToken)
    {
        var options = _evidenceOptions.Value;
        var process = request.Process;
        if (!options.DumpsEnabled)
        {
            return Skipped("memory dumps are turned off (Evidence:DumpsEnabled=false)");
        }

        if (request.IsLinux)
        {
            return Skipped("the app runs on Linux, where Kudu takes dumps only of .NET apps through dotnet-monitor; not attempted");
        }

        if (process.PrivateBytes > options.MaxDumpBytes)
        {
            return Skipped($"{process.Name} (pid {process.ProcessId}) uses {Display.Mib(process.PrivateBytes.Value)} of private memory, over the {Display.Mib(options.MaxDumpBytes)} dump budget");
        }

        var blobName = $"{request.IncidentId}/{Display.ShortId(process.InstanceId)}-{process.Name}-{process.ProcessId}.dmp";
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.DumpTimeBudget);
        try
        {
            var result = await _dumps.UploadAsync(
                blobName, ct => _appService.GetProcessDumpAsync(request.SiteResourceId, process.InstanceId, process.ProcessId, ct), options.MaxDumpBytes, budget.Token).ConfigureAwait(false);
            return new DumpOutcome(true, result.BlobUri.ToString(), result.Bytes, result.Sha256, null, result.Duration.TotalSeconds);
        }
        catch (DumpTooLargeException ex)
        {
            return Skipped($"the dump of {process.Name} grew past the {Display.Mib(ex.LimitBytes)} budget; nothing was kept");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Skipped($"the dump of {process.Name} took longer than the {options.DumpTimeBudget.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s budget; nothing was kept");
        }
        catch (Exception ex) when (ex is RequestFailedException or IOException or HttpRequestException)
        {
            return Skipped($"the dump of {process.Name} could not be taken: {Display.FirstLine(ex.Message)}");
        }
    }

    private static DumpOutcome Skipped(string reason) => new(false, null, 0, null, reason, 0);

    // Counts rows per instance in any detector table that has an Instance column and a crash reason
    // (the Application Crashes detector). Other detectors' tables are ignored.
    private static void CountCrashes(JsonElement response, Dictionary<string, int> crashes)
    {
        if (Json.Obj(response, "properties") is not { ValueKind: JsonValueKind.Object } properties
            || !properties.TryGetProperty("dataset", out var dataset) || dataset.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var table in dataset.EnumerateArray().Select(d => Json.Obj(d, "table")).Where(t => t.ValueKind == JsonValueKind.Object))
        {
            if (!table.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array
                || !table.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var names = columns.EnumerateArray().Select(c => Json.Str(c, "columnName") ?? string.Empty).ToList();
            var instance = names.FindIndex(n => n.Equals("Instance", StringComparison.OrdinalIgnoreCase));
            var reason = names.FindIndex(n => n.Equals("Reason", StringComparison.OrdinalIgnoreCase));
            if (instance < 0 || reason < 0)
            {
                continue;
            }

            foreach (var row in rows.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Array && r.GetArrayLength() > Math.Max(instance, reason)))
            {
                var why = row[reason].ToString();
                if (why.Contains("Exception", StringComparison.OrdinalIgnoreCase) || why.Contains("Crash", StringComparison.OrdinalIgnoreCase))
                {
                    var id = row[instance].ToString();
                    crashes[id] = crashes.GetValueOrDefault(id) + 1;
                }
            }
        }
    }

    private static double? Latest(IReadOnlyList<MetricSeries> series, string metric, string? instance, string aggregation)
    {
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

    private static bool Breaches(double value, string? op, double threshold) => op?.ToUpperInvariant() switch
    {
        "GREATERTHANOREQUAL" => value >= threshold,
        "LESSTHAN" => value < threshold,
        "LESSTHANOREQUAL" => value <= threshold,
        "EQUALS" => Math.Abs(value - threshold) < 1e-9,
        "GREATERTHAN" => value > threshold,
        _ => false, // dynamic thresholds and unknown operators: cannot tell, so not counted
    };

}
