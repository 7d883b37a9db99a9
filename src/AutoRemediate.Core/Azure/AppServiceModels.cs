using AutoRemediate.Shared;

namespace AutoRemediate.Azure;

/// <summary>The parts of a site (or slot) the pipeline uses.</summary>
/// <param name="Id">The resource id.</param>
/// <param name="Name">The site name (for a slot, <c>site/slot</c> as ARM returns it).</param>
/// <param name="Kind">e.g. <c>app</c>, <c>app,linux</c>.</param>
/// <param name="Location">The Azure region.</param>
/// <param name="State">e.g. <c>Running</c>, <c>Stopped</c>.</param>
/// <param name="ServerFarmId">The App Service plan the site runs on.</param>
/// <param name="DefaultHostName">The default host name.</param>
/// <param name="IsLinux">True for Linux apps (kind contains <c>linux</c> or <c>properties.reserved</c>).</param>
public sealed record SiteInfo(string Id, string Name, string? Kind, string? Location, string? State, string? ServerFarmId, string? DefaultHostName, bool IsLinux = false);

/// <summary>The parts of a site's configuration the pipeline uses.</summary>
/// <param name="HealthCheckPath">The health check path, if health check is on.</param>
/// <param name="NumberOfWorkers">Per-site scaling worker count.</param>
/// <param name="AlwaysOn">Always On.</param>
public sealed record SiteConfigInfo(string? HealthCheckPath, int? NumberOfWorkers, bool? AlwaysOn);

/// <summary>One instance (VM) an app runs on.</summary>
/// <param name="InstanceId">The instance id (ARM's <c>name</c>).</param>
/// <param name="State">e.g. READY.</param>
public sealed record SiteInstance(string InstanceId, string? State);

/// <summary>A process on an instance, with the figures the pipeline ranks by.</summary>
/// <param name="Id">The process id.</param>
/// <param name="Name">The process name (w3wp, dotnet, ...).</param>
/// <param name="WorkingSetBytes">Working set.</param>
/// <param name="PrivateMemoryBytes">Private bytes (a full dump is about this size).</param>
/// <param name="ThreadCount">Threads.</param>
/// <param name="HandleCount">Handles.</param>
/// <param name="TotalCpuTime">CPU time used since start.</param>
/// <param name="StartTime">When it started.</param>
/// <param name="IsScmSite">True for Kudu's own process.</param>
/// <param name="IsWebJob">True for a WebJob.</param>
/// <param name="MachineName">
/// Kudu's <c>machineName</c>: the worker's machine name, which is what the metrics' <c>Instance</c> dimension holds.
/// Not in the ARM swagger (read from the raw JSON); null when absent.
/// </param>
public sealed record ProcessDetails(
    int Id, string Name, long? WorkingSetBytes, long? PrivateMemoryBytes, int? ThreadCount, int? HandleCount,
    TimeSpan? TotalCpuTime, DateTimeOffset? StartTime, bool IsScmSite, bool IsWebJob, string? MachineName = null);

/// <summary>An App Service plan and its scale.</summary>
/// <param name="Id">The resource id.</param>
/// <param name="Name">The plan name.</param>
/// <param name="SkuName">e.g. P1v3.</param>
/// <param name="SkuTier">e.g. PremiumV3.</param>
/// <param name="SkuSize">e.g. P1v3.</param>
/// <param name="SkuFamily">e.g. Pv3.</param>
/// <param name="Capacity">Instance count.</param>
/// <param name="MaximumNumberOfWorkers">The most instances the plan allows.</param>
public sealed record PlanInfo(string Id, string Name, string? SkuName, string? SkuTier, string? SkuSize, string? SkuFamily, int? Capacity, int? MaximumNumberOfWorkers);

/// <summary>A change to a plan's SKU: capacity to scale out or in, name and tier to scale up or down.</summary>
/// <param name="Capacity">New instance count, or null to keep.</param>
/// <param name="SkuName">New SKU name, or null to keep.</param>
/// <param name="SkuTier">New tier, or null to keep.</param>
public sealed record PlanSkuChange(int? Capacity = null, string? SkuName = null, string? SkuTier = null);

/// <summary>An autoscale setting that targets a plan: a manual capacity change outside [Minimum, Maximum] will be undone.</summary>
/// <param name="Id">The setting's resource id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Enabled">Whether it is on.</param>
/// <param name="Minimum">Lowest minimum capacity over its profiles.</param>
/// <param name="Maximum">Highest maximum capacity over its profiles.</param>
/// <param name="Default">Default capacity of the first profile.</param>
public sealed record AutoscaleSettingInfo(string Id, string Name, bool Enabled, int? Minimum, int? Maximum, int? Default)
{
    /// <summary>True when an enabled setting would move <paramref name="capacity"/> back inside its range.</summary>
    public bool WouldOverride(int capacity) => Enabled && (capacity > Maximum || capacity < Minimum);
}

/// <summary>What to read from Azure Monitor metrics.</summary>
/// <param name="MetricNames">e.g. MemoryWorkingSet, Http5xx.</param>
/// <param name="Start">Window start.</param>
/// <param name="End">Window end.</param>
/// <param name="Interval">Grain (PT1M is the finest for App Service).</param>
/// <param name="Aggregations">Average, Total, Maximum, Minimum, Count.</param>
/// <param name="SplitByInstance">One series per instance (<c>$filter=Instance eq '*'</c>).</param>
public sealed record MetricsQuery(IReadOnlyList<string> MetricNames, DateTimeOffset Start, DateTimeOffset End, TimeSpan Interval, IReadOnlyList<string> Aggregations, bool SplitByInstance = false);

/// <summary>One metric time series.</summary>
/// <param name="Metric">The metric name.</param>
/// <param name="Unit">Its unit.</param>
/// <param name="Instance">The instance, when split by instance.</param>
/// <param name="Points">The data points.</param>
public sealed record MetricSeries(string Metric, string? Unit, string? Instance, IReadOnlyList<MetricPoint> Points);

/// <summary>One metric data point.</summary>
/// <param name="Timestamp">Start of the grain.</param>
/// <param name="Average">Average, if requested.</param>
/// <param name="Total">Total, if requested.</param>
/// <param name="Maximum">Maximum, if requested.</param>
/// <param name="Minimum">Minimum, if requested.</param>
/// <param name="Count">Count, if requested.</param>
public sealed record MetricPoint(DateTimeOffset Timestamp, double? Average, double? Total, double? Maximum, double? Minimum, double? Count);

/// <summary>Resource Health's current availability of a resource.</summary>
/// <param name="State">Available, Unavailable, Degraded or Unknown.</param>
/// <param name="ReasonType">e.g. PlatformInitiated, UserInitiated.</param>
/// <param name="Summary">Azure's summary.</param>
/// <param name="OccurredAt">When it took effect.</param>
public sealed record AvailabilityInfo(string State, string? ReasonType, string? Summary, DateTimeOffset? OccurredAt)
{
    /// <summary>True when Azure reports the platform at fault.</summary>
    public bool IsPlatformProblem =>
        !string.Equals(State, "Available", StringComparison.OrdinalIgnoreCase)
        && string.Equals(ReasonType, "PlatformInitiated", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An App Service diagnostics detector.</summary>
/// <param name="Id">Its id (use to run it).</param>
/// <param name="Name">Display name.</param>
/// <param name="Description">Description.</param>
/// <param name="Category">Category.</param>
public sealed record DetectorInfo(string Id, string? Name, string? Description, string? Category);
