using System.Globalization;
using System.Text.Json;
using System.Xml;
using AutoRemediate.Shared;

namespace AutoRemediate.Azure;

/// <summary>ProcessInfo in both wrappings: ARM (<c>{ id, name, properties: {...} }</c>) and Kudu (top-level).</summary>
internal static class ProcessParsing
{
    public static ProcessDetails FromArm(JsonElement item)
    {
        var p = Json.Obj(item, "properties");
        var details = FromKudu(p.ValueKind == JsonValueKind.Object ? p : item);
        // ARM's resource name is the pid; "identifier" may be absent from the summary listing.
        details = details.Id == 0 && Json.Int(item, "name") is { } pid ? details with { Id = pid } : details;
        // ARM's ProcessInfo properties carry no process name, only the executable's path.
        if (details.Name.Length == 0 && Json.Str(p, "file_name") is { Length: > 0 } file)
        {
            var leaf = file[(file.LastIndexOfAny(['\\', '/']) + 1)..];
            details = details with { Name = leaf.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? leaf[..^4] : leaf };
        }

        return details;
    }

    public static ProcessDetails FromKudu(JsonElement p) => new(
        Json.Int(p, "identifier") ?? Json.Int(p, "id") ?? 0,
        Json.Str(p, "name") ?? string.Empty,
        Json.Long(p, "working_set"),
        Json.Long(p, "private_memory"),
        Json.Int(p, "thread_count"),
        Json.Int(p, "handle_count"),
        Json.Duration(p, "total_cpu_time"),
        Json.Time(p, "start_time"),
        Json.Bool(p, "is_scm_site") ?? false,
        Json.Bool(p, "is_webjob") ?? false,
        Json.Str(p, "machineName") is { Length: > 0 } machine ? machine : null);
}

/// <summary>Azure Monitor's metrics response.</summary>
internal static class MetricsParsing
{
    public static IReadOnlyList<MetricSeries> Parse(JsonElement body)
    {
        var list = new List<MetricSeries>();
        if (!body.TryGetProperty("value", out var metrics) || metrics.ValueKind != JsonValueKind.Array)
        {
            return list;
        }

        foreach (var metric in metrics.EnumerateArray())
        {
            var name = Json.Str(Json.Obj(metric, "name"), "value") ?? string.Empty;
            var unit = Json.Str(metric, "unit");
            if (!metric.TryGetProperty("timeseries", out var series) || series.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var ts in series.EnumerateArray())
            {
                string? instance = null;
                if (ts.TryGetProperty("metadatavalues", out var meta) && meta.ValueKind == JsonValueKind.Array)
                {
                    instance = meta.EnumerateArray()
                        .Where(m => string.Equals(Json.Str(Json.Obj(m, "name"), "value"), "instance", StringComparison.OrdinalIgnoreCase))
                        .Select(m => Json.Str(m, "value")).FirstOrDefault();
                }

                var points = ts.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                    ? data.EnumerateArray().Select(d => new MetricPoint(
                        Json.Time(d, "timeStamp") ?? DateTimeOffset.MinValue, Json.Double(d, "average"), Json.Double(d, "total"),
                        Json.Double(d, "maximum"), Json.Double(d, "minimum"), Json.Double(d, "count"))).ToList()
                    : [];
                list.Add(new MetricSeries(name, unit, instance, points));
            }
        }

        return list;
    }
}
