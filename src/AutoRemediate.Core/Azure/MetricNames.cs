namespace AutoRemediate.Azure;

/// <summary>
/// The Azure Monitor metric names of App Service the pipeline reads or recognises in an alert
/// (Microsoft.Web/sites and Microsoft.Web/serverfarms), and the groups it reasons with.
/// </summary>
public static class MetricNames
{
    /// <summary>Site: HTTP 5xx responses (Total).</summary>
    public const string Http5xx = "Http5xx";

    /// <summary>Site: health check status, 100 healthy to 0 failing (Average).</summary>
    public const string HealthCheckStatus = "HealthCheckStatus";

    /// <summary>Site: memory working set, bytes (Average).</summary>
    public const string MemoryWorkingSet = "MemoryWorkingSet";

    /// <summary>Site: average memory working set, bytes.</summary>
    public const string AverageMemoryWorkingSet = "AverageMemoryWorkingSet";

    /// <summary>Site: private bytes.</summary>
    public const string PrivateBytes = "PrivateBytes";

    /// <summary>Site: CPU time, seconds.</summary>
    public const string CpuTime = "CpuTime";

    /// <summary>Plan: CPU percentage per instance.</summary>
    public const string CpuPercentage = "CpuPercentage";

    /// <summary>Plan: memory percentage per instance.</summary>
    public const string MemoryPercentage = "MemoryPercentage";

    /// <summary>Plan: HTTP queue length.</summary>
    public const string HttpQueueLength = "HttpQueueLength";

    /// <summary>The site metrics read per instance for every incident.</summary>
    public static readonly IReadOnlyList<string> SitePerInstance = [Http5xx, HealthCheckStatus, MemoryWorkingSet];

    /// <summary>The plan metrics read per instance for every incident.</summary>
    public static readonly IReadOnlyList<string> PlanPerInstance = [CpuPercentage, MemoryPercentage];

    /// <summary>Metrics that say an alert is about memory.</summary>
    public static readonly IReadOnlyList<string> Memory = [MemoryWorkingSet, AverageMemoryWorkingSet, MemoryPercentage, PrivateBytes];

    /// <summary>Metrics that say an alert is about CPU.</summary>
    public static readonly IReadOnlyList<string> Cpu = [CpuTime, CpuPercentage];

    /// <summary>True when <paramref name="metric"/> is in <paramref name="group"/> (metric names compare without case).</summary>
    public static bool IsIn(IReadOnlyList<string> group, string? metric) =>
        metric is not null && group.Contains(metric, StringComparer.OrdinalIgnoreCase);
}
