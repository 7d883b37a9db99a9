using AutoRemediate.Alerts;
using AutoRemediate.Decisions;

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

/// <summary>A candidate process on one instance (the site's worker, not Kudu, not a WebJob).</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="ProcessId">The process id.</param>
/// <param name="Name">w3wp, dotnet, ...</param>
/// <param name="WorkingSetBytes">Working set.</param>
/// <param name="PrivateBytes">Private bytes (about the size of a full dump).</param>
/// <param name="CpuSeconds">CPU time since start.</param>
/// <param name="StartedAt">When it started.</param>
public sealed record WorkerProcess(string InstanceId, int ProcessId, string Name, long? WorkingSetBytes, long? PrivateBytes, double? CpuSeconds, DateTimeOffset? StartedAt);

/// <summary>Input of <see cref="Workflow.ActivityNames.CollectProcesses"/>.</summary>
/// <param name="SiteResourceId">The site.</param>
/// <param name="InstanceId">The instance.</param>
public sealed record ProcessesRequest(string SiteResourceId, string InstanceId);

/// <summary>Input of <see cref="Workflow.ActivityNames.CollectMetrics"/> and <see cref="Workflow.ActivityNames.CheckHealth"/>.</summary>
/// <param name="IncidentId">The incident (names the evidence blob).</param>
/// <param name="SiteResourceId">The site.</param>
/// <param name="PlanResourceId">Its plan, for CPU, memory and queue figures per instance.</param>
/// <param name="Start">Window start.</param>
/// <param name="End">Window end.</param>
/// <param name="Criteria">The alert's own metric criteria: is the alert's condition still true?</param>
/// <param name="KeepEvidence">Store the full series in the evidence container.</param>
public sealed record MetricsRequest(
    string IncidentId, string SiteResourceId, string? PlanResourceId, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyList<AlertCriterion> Criteria, bool KeepEvidence = true);

/// <summary>One metric criterion of the alert, as much as checking it again needs (kept small: it travels with every poll).</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Operator">GreaterThan, LessThan, ...</param>
/// <param name="Threshold">The threshold as sent.</param>
/// <param name="Aggregation">Average, Total, ...</param>
public sealed record AlertCriterion(string Metric, string? Operator, string? Threshold, string? Aggregation)
{
    /// <summary>The metric criteria of an alert.</summary>
    public static IReadOnlyList<AlertCriterion> Of(AlertSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return [.. (signal.Conditions ?? []).Where(c => c.MetricName is not null).Select(c => new AlertCriterion(c.MetricName!, c.Operator, c.Threshold, c.TimeAggregation))];
    }
}

/// <summary>The latest figures of one instance.</summary>
/// <param name="InstanceId">The instance (the metrics' Instance dimension).</param>
/// <param name="MemoryPercent">Plan MemoryPercentage on that instance.</param>
/// <param name="CpuPercent">Plan CpuPercentage on that instance.</param>
/// <param name="Http5xx">Site Http5xx in the latest minute.</param>
/// <param name="HealthPercent">Site HealthCheckStatus (100 healthy, 0 failing), when health check is on.</param>
/// <param name="WorkingSetBytes">Site MemoryWorkingSet.</param>
public sealed record InstanceMetrics(string InstanceId, double? MemoryPercent, double? CpuPercent, double? Http5xx, double? HealthPercent, double? WorkingSetBytes);

/// <summary>What the metrics say, small enough for history.</summary>
/// <param name="Instances">Latest figures per instance.</param>
/// <param name="HttpQueueLength">Plan HttpQueueLength, latest.</param>
/// <param name="Breaching">The alert's metrics whose condition still holds on the latest value.</param>
/// <param name="EvidenceBlob">The full series, when kept.</param>
/// <param name="Notes">What could not be read, one line each.</param>
public sealed record MetricsSummary(
    IReadOnlyList<InstanceMetrics> Instances, double? HttpQueueLength, IReadOnlyList<string> Breaching, string? EvidenceBlob, IReadOnlyList<string> Notes);

/// <summary>Input of <see cref="Workflow.ActivityNames.CollectDetectors"/>.</summary>
/// <param name="IncidentId">The incident (names the evidence blob).</param>
/// <param name="SiteResourceId">The site.</param>
/// <param name="Start">Window start.</param>
/// <param name="End">Window end.</param>
public sealed record DetectorsRequest(string IncidentId, string SiteResourceId, DateTimeOffset Start, DateTimeOffset End);

/// <summary>One detector's verdict.</summary>
/// <param name="Detector">Its id.</param>
/// <param name="Status">Critical, Warning, Info, Success, or Failed when it could not run.</param>
/// <param name="Message">Its one-line message.</param>
public sealed record DetectorFinding(string Detector, string Status, string Message);

/// <summary>What App Service diagnostics say.</summary>
/// <param name="Findings">One per detector.</param>
/// <param name="CrashesByInstance">Worker crashes per instance in the window (from the crash detector's table).</param>
/// <param name="EvidenceBlob">The raw detector responses.</param>
public sealed record DetectorsSummary(IReadOnlyList<DetectorFinding> Findings, IReadOnlyDictionary<string, int> CrashesByInstance, string? EvidenceBlob);

/// <summary>What the verification poll saw.</summary>
/// <param name="Healthy">The alert's condition no longer holds and every instance looks healthy.</param>
/// <param name="Summary">Why (not), in words.</param>
public sealed record HealthReading(bool Healthy, string Summary);

/// <summary>Input of <see cref="Workflow.ActivityNames.CaptureDump"/>.</summary>
/// <param name="IncidentId">The incident (names the blob).</param>
/// <param name="SiteResourceId">The site.</param>
/// <param name="Process">The process to dump.</param>
/// <param name="IsLinux">Linux app (Kudu on Linux dumps only .NET apps with dotnet-monitor).</param>
/// <param name="Sequence">Timeline position for the DumpCaptured / DumpSkipped entry the activity writes (0: none).</param>
public sealed record DumpRequest(string IncidentId, string SiteResourceId, WorkerProcess Process, bool IsLinux, int Sequence = 0);

/// <summary>How the dump went.</summary>
/// <param name="Stored">True when a complete dump is in Blob Storage.</param>
/// <param name="BlobUri">Where.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its SHA-256 (hex).</param>
/// <param name="SkippedReason">Why there is no dump.</param>
/// <param name="Seconds">How long it took.</param>
public sealed record DumpOutcome(bool Stored, string? BlobUri, long Bytes, string? Sha256, string? SkippedReason, double Seconds);
