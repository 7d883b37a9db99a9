namespace AutoRemediate.Evidence;

// WARNING: every type in this file travels in orchestration history (activity inputs and outputs).
// In-flight instances replay against it: add members only as optional ones at the end. Keep them
// small: anything large goes to the evidence container and only its blob name travels here.

/// <summary>A short summary of the target site, small enough for history.</summary>
/// <param name="Name">Site name.</param>
/// <param name="State">Running, Stopped, ...</param>
/// <param name="Kind">app, app,linux, ...</param>
/// <param name="Location">Region.</param>
/// <param name="ServerFarmId">The plan.</param>
/// <param name="IsLinux">A Linux app (Kudu does less there).</param>
public sealed record SiteSnapshot(string Name, string? State, string? Kind, string? Location, string? ServerFarmId, bool IsLinux = false);

/// <summary>Whether Azure itself is at fault.</summary>
/// <param name="ResourceHealthPlatformIssue">Resource Health reports a platform-initiated degradation.</param>
/// <param name="ServiceHealthIncidentOpen">A Service Health incident is open for the region.</param>
/// <param name="AppsAlertingInWindow">How many apps alerted within the fleet window (this one included).</param>
/// <param name="FleetBreakerTripped">
/// The platform check found at least Policy:FleetBreakerApps apps alerting in the window: diagnostics are
/// skipped and the policy escalates, as for the other platform findings.
/// </param>
/// <param name="Incomplete">
/// Why the verdict is incomplete (a source that could not be read, or the check itself did not finish);
/// null when every source was read. A plan decided on an incomplete verdict always goes to a person.
/// </param>
public sealed record PlatformEvidence(bool ResourceHealthPlatformIssue, bool ServiceHealthIncidentOpen, int AppsAlertingInWindow, bool FleetBreakerTripped = false, string? Incomplete = null);

/// <summary>The plan the app runs on, and who else scales it.</summary>
/// <param name="Sku">Current SKU name.</param>
/// <param name="Capacity">Current instance count.</param>
/// <param name="MaximumWorkers">The plan's own maximum.</param>
/// <param name="AutoscaleMinimum">An enabled autoscale setting's minimum, if any.</param>
/// <param name="AutoscaleMaximum">An enabled autoscale setting's maximum, if any.</param>
/// <param name="AutoscaleUnknown">Set when the autoscale settings could not be read (for example 403 for a reader below the subscription): why, in one line. Null when read.</param>
/// <param name="Apps">The names of the apps on the plan, the alerting app included (a scale step changes them all); null when not read.</param>
/// <param name="AppsOutsideScope">
/// The names of apps on the plan outside the configured Scope; null when no Scope is configured. When the plan's apps could not
/// be read under a Scope, the list is empty and <see cref="AppsUnknown"/> says why: no scale step may then be approved by configuration.
/// </param>
/// <param name="AppsUnknown">Set when the plan's apps could not be listed: why, in one line.</param>
public sealed record PlanEvidence(string Sku, int Capacity, int MaximumWorkers, int? AutoscaleMinimum = null, int? AutoscaleMaximum = null,
    string? AutoscaleUnknown = null, IReadOnlyList<string>? Apps = null, IReadOnlyList<string>? AppsOutsideScope = null, string? AppsUnknown = null)
{
    /// <summary>What could not be read about the plan, one line each, for the timeline.</summary>
    public IReadOnlyList<string> Notes() =>
        [.. new[] { AutoscaleUnknown, AppsUnknown }.OfType<string>()];
}

/// <summary>A candidate process on one instance (the site's worker, not Kudu, not a WebJob).</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="ProcessId">The process id.</param>
/// <param name="Name">w3wp, dotnet, ...</param>
/// <param name="WorkingSetBytes">Working set.</param>
/// <param name="PrivateBytes">Private bytes (about the size of a full dump).</param>
/// <param name="CpuSeconds">CPU time since start.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="MachineName">
/// The instance's machine name from the process record (Kudu's <c>machineName</c>): what the metrics' Instance dimension
/// calls this instance. Null when the record does not carry it.
/// </param>
public sealed record WorkerProcess(string InstanceId, int ProcessId, string Name, long? WorkingSetBytes, long? PrivateBytes, double? CpuSeconds, DateTimeOffset? StartedAt,
    string? MachineName = null);

/// <summary>The latest figures of one instance.</summary>
/// <param name="InstanceId">
/// The metrics' Instance dimension value: in Azure the worker's machine name (RD… on Windows), not the ARM instance id;
/// <see cref="InstanceNames"/> maps it to one.
/// </param>
/// <param name="MemoryPercent">Plan MemoryPercentage on that instance.</param>
/// <param name="CpuPercent">Plan CpuPercentage on that instance.</param>
/// <param name="Http5xx">Site Http5xx in the latest minute.</param>
/// <param name="HealthPercent">Site HealthCheckStatus (100 healthy, 0 failing), when health check is on.</param>
/// <param name="WorkingSetBytes">Site MemoryWorkingSet.</param>
public sealed record InstanceMetrics(string InstanceId, double? MemoryPercent, double? CpuPercent, double? Http5xx, double? HealthPercent, double? WorkingSetBytes);

/// <summary>What the metrics say, small enough for history.</summary>
/// <param name="Instances">Latest figures per instance.</param>
/// <param name="HttpQueueLength">Plan HttpQueueLength, latest.</param>
/// <param name="Breaching">The alert's metrics whose condition still holds: over the rule's window with its aggregation, or by the alert's own state in Azure Monitor (Fired).</param>
/// <param name="EvidenceBlob">The full series, when kept.</param>
/// <param name="Notes">What could not be read, one line each.</param>
/// <param name="Undetermined">The alert's metrics whose condition could not be judged (a dynamic threshold whose alert state could not be read): never healthy.</param>
public sealed record MetricsSummary(
    IReadOnlyList<InstanceMetrics> Instances, double? HttpQueueLength, IReadOnlyList<string> Breaching, string? EvidenceBlob, IReadOnlyList<string> Notes,
    IReadOnlyList<string>? Undetermined = null);

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
