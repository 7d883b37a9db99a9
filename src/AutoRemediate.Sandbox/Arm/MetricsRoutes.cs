using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using AutoRemediate.Sandbox.Scenarios;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// Azure Monitor metrics for sites and plans (<c>{resourceId}/providers/Microsoft.Insights/metrics</c>,
/// api-version 2023-10-01), shaped like the spec example GetMetric. Values come from the scenarios at
/// each minute of the timespan (the minute in progress: now), so a restart or scale-out shows up in the series from that minute on.
/// <c>$filter=Instance eq '*'</c> splits by instance; without it one series aggregates the instances. As in Azure,
/// the Instance dimension's values are the workers' machine names (<see cref="SimulatedInstance.MachineName"/>),
/// not the ARM instance ids: a caller maps them through the <c>machineName</c> of each instance's process records.
/// </summary>
internal static partial class MetricsRoutes
{
    private static readonly MetricDefinition[] s_siteMetrics =
    [
        new("CpuTime", "CPU Time", "Seconds", "Total", true, "The amount of CPU consumed by the app, in seconds.", (s, cores) => s.CpuPercent / 100 * 60 * cores),
        new("Requests", "Requests", "Count", "Total", true, "The total number of requests regardless of their resulting HTTP status code.", (s, _) => s.RequestsPerMinute),
        new("Http2xx", "Http 2xx", "Count", "Total", true, "The count of requests resulting in an HTTP status code >= 200 but < 300.", (s, _) => Math.Max(0, s.RequestsPerMinute - s.Http5xxPerMinute)),
        new("Http4xx", "Http 4xx", "Count", "Total", true, "The count of requests resulting in an HTTP status code >= 400 but < 500.", (_, _) => 0),
        new("Http5xx", "Http Server Errors", "Count", "Total", true, "The count of requests resulting in an HTTP status code >= 500 but < 600.", (s, _) => s.Http5xxPerMinute),
        new("MemoryWorkingSet", "Memory working set", "Bytes", "Average", false, "The current amount of memory used by the app, in MiB.", (s, _) => s.WorkingSetBytes),
        new("AverageMemoryWorkingSet", "Average memory working set", "Bytes", "Average", false, "The average amount of memory used by the app, in megabytes (MiB).", (s, _) => s.WorkingSetBytes),
        new("PrivateBytes", "Private Bytes", "Bytes", "Average", false, "Private Bytes is the current size, in bytes, of memory that the app process has allocated that can't be shared with other processes.", (s, _) => s.PrivateBytes),
        new("HttpResponseTime", "Response Time", "Seconds", "Average", false, "The time taken for the app to serve requests, in seconds.", (s, _) => s.ResponseTimeSeconds),
        new("AverageResponseTime", "Average Response Time (deprecated)", "Seconds", "Average", false, "The average time taken for the app to serve requests, in seconds.", (s, _) => s.ResponseTimeSeconds),
        new("HealthCheckStatus", "Health check status", "Count", "Average", false, "Health check status.", (s, _) => s.HealthPercent),
        new("Handles", "Handle Count", "Count", "Average", false, "The total number of handles currently open by the app process.", (s, _) => s.HandleCount),
        new("Threads", "Thread Count", "Count", "Average", false, "The number of threads currently active in the app process.", (s, _) => s.ThreadCount),
    ];

    private static readonly PlanMetricDefinition[] s_planMetrics =
    [
        new("CpuPercentage", "CPU Percentage", "Percent", "Average", "The average CPU used across all instances of the plan.", s => s.CpuPercent),
        new("MemoryPercentage", "Memory Percentage", "Percent", "Average", "The average memory used across all instances of the plan.", s => s.MemoryPercent),
        new("HttpQueueLength", "Http Queue Length", "Count", "Average", "The average number of HTTP requests that had to sit on the queue before being fulfilled.", s => s.HttpQueueLength),
        new("DiskQueueLength", "Disk Queue Length", "Count", "Average", "The average number of both read and write requests that were queued on storage.", _ => 0),
    ];

    private static readonly string[] s_aggregations = ["average", "minimum", "maximum", "total", "count"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(SiteRoutes.SitePath + "/providers/Microsoft.Insights/metrics", (HttpRequest request, string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            SiteRoutes.WithSite(state, subscriptionId, resourceGroup, site, app =>
            {
                var cores = app.Plan.Sku.Cores;
                var metrics = s_siteMetrics.Select(m => new Metric(m.Name, m.DisplayName, m.Unit, m.PrimaryAggregation, m.IsRate, m.Description,
                    (instance, t) => m.Name == "HealthCheckStatus" && app.HealthCheckPath is null ? null : m.Value(ScenarioModel.Sample(app, instance, t), cores)));
                return Query(request, state.Now, app.ResourceId, "Microsoft.Web/sites", "sites", app.Location, app.Plan.Instances, app.IsLinux, [.. metrics]);
            }));

        routes.MapGet(PlanRoutes.PlanPath + "/providers/Microsoft.Insights/metrics", (HttpRequest request, string subscriptionId, string resourceGroup, string plan, SandboxState state) =>
            PlanRoutes.WithPlan(state, subscriptionId, resourceGroup, plan, p =>
            {
                var metrics = s_planMetrics.Select(m => new Metric(m.Name, m.DisplayName, m.Unit, m.PrimaryAggregation, false, m.Description,
                    (instance, t) => m.Value(ScenarioModel.SamplePlan(p, instance, t))));
                return Query(request, state.Now, p.ResourceId, "Microsoft.Web/serverfarms", "serverfarms", p.Location, p.Instances, p.IsLinux, [.. metrics]);
            }));
    }

    private static IResult Query(HttpRequest request, DateTimeOffset now, string resourceId, string metricNamespace, string resourceType, string location, IReadOnlyList<SimulatedInstance> instances, bool isLinux, Metric[] catalog)
    {
        var query = request.Query;
        if (query["metricnamespace"].ToString() is { Length: > 0 } askedNamespace && !string.Equals(askedNamespace, metricNamespace, StringComparison.OrdinalIgnoreCase))
        {
            return ArmErrors.BadRequest($"Metric namespace '{askedNamespace}' is not valid for resource type '{metricNamespace}'. Valid namespaces: {metricNamespace}.");
        }

        var names = query["metricnames"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var selected = new List<Metric>();
        foreach (var name in names.Length == 0 ? [catalog[0].Name] : names)
        {
            var metric = catalog.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
            if (metric is null)
            {
                return ArmErrors.BadRequest($"Failed to find metric configuration for provider: Microsoft.Web, resource Type: {resourceType}, metric: {name}, Valid metrics: {string.Join(",", catalog.Select(m => m.Name))}");
            }

            selected.Add(metric);
        }

        var aggregations = query["aggregation"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant()).ToArray();
        if (aggregations.FirstOrDefault(a => !s_aggregations.Contains(a)) is { } badAggregation)
        {
            return ArmErrors.BadRequest($"Invalid aggregation type '{badAggregation}'. Valid values: Average, Count, Minimum, Maximum, Total.");
        }

        if (!TryParseTimespan(query["timespan"].ToString(), now, out var start, out var end, out var timespanProblem))
        {
            return ArmErrors.BadRequest(timespanProblem!);
        }

        var intervalText = query["interval"].ToString();
        var full = string.Equals(intervalText, "FULL", StringComparison.OrdinalIgnoreCase);
        TimeSpan interval;
        try
        {
            interval = full ? end - start : intervalText.Length == 0 ? TimeSpan.FromMinutes(1) : XmlConvert.ToTimeSpan(intervalText);
        }
        catch (FormatException)
        {
            return ArmErrors.BadRequest($"Invalid interval '{intervalText}': use an ISO 8601 duration such as PT1M, PT5M, PT1H or P1D, or FULL.");
        }

        if (interval < TimeSpan.FromMinutes(1))
        {
            return ArmErrors.BadRequest($"Invalid interval '{intervalText}': the smallest time grain is PT1M.");
        }

        if (!full)
        {
            start = new DateTimeOffset(start.UtcTicks - (start.UtcTicks % interval.Ticks), TimeSpan.Zero);
        }

        if ((end - start).Ticks / interval.Ticks > 10_000)
        {
            return ArmErrors.BadRequest("The query would return more than 10000 data points per series; use a longer interval or a shorter timespan.");
        }

        var filter = query["$filter"].ToString();
        var split = false;
        IReadOnlyList<SimulatedInstance> series = instances;
        if (filter.Length > 0)
        {
            var matches = InstanceClause().Matches(filter);
            if (matches.Count == 0)
            {
                return ArmErrors.BadRequest($"Invalid $filter '{filter}': the only dimension of {metricNamespace} metrics the Sandbox knows is Instance.");
            }

            split = true;
            var wanted = matches.Select(m => m.Groups[1].Value).ToArray();
            if (!wanted.Contains("*"))
            {
                // As in Azure, the dimension's values are machine names: an ARM instance id matches nothing.
                series = [.. instances.Where(i => wanted.Contains(i.MachineName(isLinux), StringComparer.OrdinalIgnoreCase))];
            }
        }

        var step = interval <= TimeSpan.FromHours(1) ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(Math.Max(1, Math.Floor(interval.TotalMinutes / 60)));
        var cost = 0;
        var value = selected.Select(metric =>
        {
            var wantedAggregations = aggregations.Length > 0 ? aggregations : [metric.PrimaryAggregation.ToLowerInvariant()];
            var timeseries = split
                ? series.Select(instance => new
                {
                    metadatavalues = new object[] { new { name = new { value = "instance", localizedValue = "instance" }, value = instance.MachineName(isLinux) } },
                    data = Count(Points(metric, [instance], start, end, interval, step, now, wantedAggregations), ref cost),
                }).ToArray<object>()
                : [new { metadatavalues = Array.Empty<object>(), data = Count(Points(metric, instances, start, end, interval, step, now, wantedAggregations), ref cost) }];
            return new
            {
                id = $"{resourceId}/providers/Microsoft.Insights/metrics/{metric.Name}",
                type = "Microsoft.Insights/metrics",
                name = new { value = metric.Name, localizedValue = metric.DisplayName },
                displayDescription = metric.Description,
                unit = metric.Unit,
                timeseries,
                errorCode = "Success",
            };
        }).ToArray();

        return ArmJson.Ok(new
        {
            cost,
            timespan = $"{Iso(start)}/{Iso(end)}",
            interval = XmlConvert.ToString(interval),
            value,
            @namespace = metricNamespace,
            resourceregion = location.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant(),
        });
    }

    // One data point per interval; each aggregates one sample a minute (coarser for long intervals).
    // Rate metrics (counts, CPU seconds) combine instances by sum, gauges by average. A point with no
    // sample (the future, or before an instance existed) carries only its timeStamp, as Azure's do.
    private static List<Dictionary<string, object?>> Points(Metric metric, IReadOnlyList<SimulatedInstance> instances, DateTimeOffset start, DateTimeOffset end, TimeSpan interval, TimeSpan step, DateTimeOffset now, string[] aggregations)
    {
        var points = new List<Dictionary<string, object?>>();
        for (var bucket = start; bucket < end; bucket += interval)
        {
            var values = new List<double>();
            for (var t = bucket; t < bucket + interval && t < end; t += step)
            {
                if (t > now)
                {
                    break;
                }

                // The minute in progress is sampled now rather than at its start, so a restart or a
                // scale-out shows on the next poll. (Azure's own points arrive a minute or more late;
                // the workflow's verification polls until a deadline either way.) Likewise the minute a
                // query ends in, when the query ends before now: a poll asking up to 12:00:59.9 that
                // arrives at 12:01:00.2 sees 12:00:59.9, not 12:00:00, which may be before the restart.
                var at = t + step > now ? now : t + step > end ? end : t;
                var perInstance = instances.Where(i => i.CreatedAt <= at).Select(i => metric.Value(i, at)).OfType<double>().ToList();
                if (perInstance.Count > 0)
                {
                    values.Add(metric.IsRate ? perInstance.Sum() : perInstance.Average());
                }
            }

            var point = new Dictionary<string, object?> { ["timeStamp"] = Iso(bucket) };
            if (values.Count > 0)
            {
                var stepMinutes = step.TotalMinutes;
                foreach (var aggregation in aggregations)
                {
                    point[aggregation] = aggregation switch
                    {
                        "average" => Math.Round(values.Average(), 4),
                        "minimum" => Math.Round(values.Min(), 4),
                        "maximum" => Math.Round(values.Max(), 4),
                        "total" => Math.Round(metric.IsRate ? values.Sum() * stepMinutes : values.Sum(), 4),
                        _ => (double)values.Count,
                    };
                }
            }

            points.Add(point);
        }

        return points;
    }

    private static List<Dictionary<string, object?>> Count(List<Dictionary<string, object?>> points, ref int cost)
    {
        cost += points.Count;
        return points;
    }

    private static bool TryParseTimespan(string text, DateTimeOffset now, out DateTimeOffset start, out DateTimeOffset end, out string? problem)
    {
        start = now.AddHours(-1);
        end = now;
        problem = null;
        if (text.Length == 0)
        {
            return true;
        }

        var parts = text.Split('/');
        try
        {
            if (parts.Length == 1)
            {
                start = now - XmlConvert.ToTimeSpan(parts[0]);
            }
            else if (parts.Length == 2)
            {
                var hasStart = TryDate(parts[0], out var first);
                var hasEnd = TryDate(parts[1], out var second);
                (start, end) = (hasStart, hasEnd) switch
                {
                    (true, true) => (first, second),
                    (true, false) => (first, first + XmlConvert.ToTimeSpan(parts[1])),
                    (false, true) => (second - XmlConvert.ToTimeSpan(parts[0]), second),
                    _ => throw new FormatException(),
                };
            }
            else
            {
                throw new FormatException();
            }
        }
        catch (FormatException)
        {
            problem = $"Invalid timespan '{text}': expected 'startDateTime_ISO/endDateTime_ISO'.";
            return false;
        }

        if (end <= start)
        {
            problem = $"Invalid timespan '{text}': the start must be before the end.";
            return false;
        }

        return true;
    }

    private static bool TryDate(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    private static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Instance\s+eq\s+'([^']*)'", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InstanceClause();

    private sealed record MetricDefinition(string Name, string DisplayName, string Unit, string PrimaryAggregation, bool IsRate, string Description, Func<InstanceSample, int, double> Value);

    private sealed record PlanMetricDefinition(string Name, string DisplayName, string Unit, string PrimaryAggregation, string Description, Func<PlanSample, double> Value);

    private sealed record Metric(string Name, string DisplayName, string Unit, string PrimaryAggregation, bool IsRate, string Description, Func<SimulatedInstance, DateTimeOffset, double?> Value);
}
