using System.Globalization;
using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.Scenarios;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// App Service diagnostics detectors (<c>sites/{site}/detectors</c> and <c>.../detectors/{name}</c>),
/// shaped like the spec examples Diagnostics_ListSiteDetectorResponses and
/// Diagnostics_GetSiteDetectorResponse, plus the DetectorResponse definition's <c>type</c>,
/// <c>metadata.id/name/type</c>, <c>status</c> and <c>renderingProperties.type</c>. Table rows are
/// string arrays as the spec's DataTableResponseObject defines them. The tables' Instance column holds machine
/// names, as the metrics' Instance dimension does. UNVERIFIED: what Azure's crash detector puts there is not
/// documented; its per-instance metric samples name the machine (DiagnosticMetricSample.roleInstance), so the
/// Sandbox does too.
/// </summary>
internal static class DetectorRoutes
{
    private static readonly DetectorInfo[] s_detectors =
    [
        new("sitecrashes", "Application Crashes", "Lists the crashes and terminations of the app's worker processes.", "Availability and Performance"),
        new("highcpuanalysis", "High CPU Analysis", "Finds instances where the app's CPU usage is high.", "Availability and Performance"),
        new("memoryusage", "Memory Usage", "Shows the memory the app's worker processes use on each instance.", "Availability and Performance"),
    ];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(SiteRoutes.SitePath + "/detectors", (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            SiteRoutes.WithSite(state, subscriptionId, resourceGroup, site, app =>
                ArmJson.List(s_detectors.Select(d => new
                {
                    id = $"{app.ResourceId}/detectors/{d.Id}",
                    name = d.Id,
                    type = "Microsoft.Web/sites/detectors",
                    properties = new { metadata = Metadata(d), dataset = Array.Empty<object>() },
                }))));

        routes.MapGet(SiteRoutes.SitePath + "/detectors/{detector}", (string subscriptionId, string resourceGroup, string site, string detector, string? startTime, string? endTime, SandboxState state) =>
            SiteRoutes.WithSite(state, subscriptionId, resourceGroup, site, app =>
            {
                var info = s_detectors.FirstOrDefault(d => string.Equals(d.Id, detector, StringComparison.OrdinalIgnoreCase));
                if (info is null)
                {
                    return ArmErrors.NotFound("Microsoft.Web/sites/detectors", $"{site}/{detector}", resourceGroup);
                }

                var now = state.Now;
                if (!TryTime(endTime, now, out var end) || !TryTime(startTime, end.AddHours(-24), out var start) || start >= end)
                {
                    return ArmErrors.BadRequest("startTime and endTime must be ISO 8601 date-times with startTime before endTime.");
                }

                end = end > now ? now : end;
                var (table, status, message) = info.Id switch
                {
                    "sitecrashes" => Crashes(app, start, end),
                    "highcpuanalysis" => Cpu(app, start, end),
                    _ => Memory(app, end),
                };
                return ArmJson.Ok(new
                {
                    id = $"{app.ResourceId}/detectors/{info.Id}",
                    name = info.Id,
                    type = "Microsoft.Web/sites/detectors",
                    properties = new
                    {
                        metadata = Metadata(info),
                        dataset = new[]
                        {
                            new
                            {
                                table,
                                renderingProperties = new { type = "Table", title = info.Name, description = info.Description },
                            },
                        },
                        status = new { message, statusId = status },
                    },
                });
            }));
    }

    private static object Metadata(DetectorInfo detector) => new
    {
        id = detector.Id,
        name = detector.Name,
        description = detector.Description,
        category = detector.Category,
        type = "Detector",
    };

    private static (object Table, string Status, string Message) Crashes(SimulatedApp app, DateTimeOffset start, DateTimeOffset end)
    {
        var rows = new List<(DateTimeOffset At, string Instance, string Process, string ExitCode, string Reason)>();
        foreach (var processEvent in app.Events.Where(e => e.At >= start && e.At <= end))
        {
            rows.Add((processEvent.At, SimulatedInstance.MachineNameOf(processEvent.InstanceId, app.IsLinux), processEvent.ProcessName, processEvent.Reason == "Killed" ? "-1" : "0", processEvent.Reason));
        }

        if (app.ScenarioKind == ScenarioKind.CrashLoop)
        {
            // A crash-looping worker dies every 30 s with an unhandled CLR exception.
            foreach (var instance in app.Plan.Instances)
            {
                for (var t = end; t >= start && t >= end.AddMinutes(-30); t -= ScenarioModel.CrashInterval)
                {
                    var crashAt = ScenarioModel.EffectiveStart(app, app.ProcessesOn(instance).WorkerAt(t).StartedAt, t);
                    rows.Add((crashAt, instance.MachineName(app.IsLinux), app.WorkerName, "0xe0434352", "UnhandledException"));
                }
            }
        }

        var crashes = rows.Count(r => r.Reason == "UnhandledException");
        var table = Table(
            "Crashes",
            [("TimeStamp", "DateTime"), ("Instance", "String"), ("ProcessName", "String"), ("ExitCode", "String"), ("Reason", "String")],
            rows.OrderByDescending(r => r.At).Take(100).Select(r => new[] { ProcessView.Iso(r.At), r.Instance, r.Process, r.ExitCode, r.Reason }));
        return crashes > 0
            ? (table, "Critical", $"The app's worker process crashed {crashes} times in the time range (unhandled exception 0xe0434352).")
            : rows.Count > 0
                ? (table, "Info", $"{rows.Count} worker process terminations (restarts or kills), no crashes.")
                : (table, "Success", "No crashes of the app's worker processes in the time range.");
    }

    private static (object Table, string Status, string Message) Cpu(SimulatedApp app, DateTimeOffset start, DateTimeOffset end)
    {
        var step = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, (end - start).Ticks / 60));
        var rows = app.Plan.Instances.Select(instance =>
        {
            var samples = new List<double>();
            for (var t = start; t <= end; t += step)
            {
                if (instance.CreatedAt <= t)
                {
                    samples.Add(ScenarioModel.Sample(app, instance, t).CpuPercent);
                }
            }

            samples.Add(ScenarioModel.Sample(app, instance, end).CpuPercent);
            return (Instance: instance.MachineName(app.IsLinux), Average: samples.Average(), Maximum: samples.Max());
        }).ToList();
        var worst = rows.Count == 0 ? 0 : rows.Max(r => r.Average);
        var table = Table(
            "CpuByInstance",
            [("Instance", "String"), ("AverageCpuPercent", "Double"), ("MaximumCpuPercent", "Double")],
            rows.Select(r => new[] { r.Instance, Number(r.Average), Number(r.Maximum) }));
        return worst >= 80
            ? (table, "Critical", $"High CPU: the app averaged {Number(worst)} % CPU on its busiest instance.")
            : worst >= 60
                ? (table, "Warning", $"Elevated CPU: the app averaged {Number(worst)} % CPU on its busiest instance.")
                : (table, "Success", "CPU usage is normal on every instance.");
    }

    private static (object Table, string Status, string Message) Memory(SimulatedApp app, DateTimeOffset at)
    {
        var perWorker = app.Plan.CapacityAt(at).MemoryBytesPerWorker;
        var rows = app.Plan.Instances.Select(instance =>
        {
            var sample = ScenarioModel.Sample(app, instance, at);
            return (Instance: instance.MachineName(app.IsLinux), WorkingSet: sample.WorkingSetBytes, Private: sample.PrivateBytes);
        }).ToList();
        var worst = rows.Count == 0 ? 0 : rows.Max(r => r.WorkingSet);
        var table = Table(
            "MemoryByInstance",
            [("Instance", "String"), ("WorkingSetMB", "Double"), ("PrivateBytesMB", "Double"), ("PercentOfWorkerMemory", "Double")],
            rows.Select(r => new[] { r.Instance, Number(r.WorkingSet / ScenarioModel.MiB), Number(r.Private / ScenarioModel.MiB), Number(r.WorkingSet / perWorker * 100) }));
        var worstMb = Number(worst / ScenarioModel.MiB);
        return worst >= 3072 * ScenarioModel.MiB
            ? (table, "Critical", $"High memory: a worker process uses {worstMb} MB.")
            : worst >= 2048 * ScenarioModel.MiB
                ? (table, "Warning", $"Memory is growing: a worker process uses {worstMb} MB.")
                : (table, "Success", "Memory usage is normal on every instance.");
    }

    private static object Table(string name, (string Name, string Type)[] columns, IEnumerable<string[]> rows) => new
    {
        tableName = name,
        columns = columns.Select(c => new { columnName = c.Name, dataType = c.Type, columnType = c.Type.ToLowerInvariant() switch { "datetime" => "datetime", "double" => "real", _ => "string" } }).ToArray(),
        rows = rows.ToArray(),
    };

    private static string Number(double value) => Math.Round(value, 1).ToString(CultureInfo.InvariantCulture);

    private static bool TryTime(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private sealed record DetectorInfo(string Id, string Name, string Description, string Category);
}
