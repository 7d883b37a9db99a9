using System.Text.Json;
using AutoRemediate.Evidence;
using AutoRemediate.Shared;

namespace AutoRemediate.Diagnostics;

/// <summary>
/// Reads App Service diagnostics detector responses (<c>properties.status</c> and the loosely typed
/// <c>properties.dataset[].table</c>). Pure and tolerant: a shape it does not know yields "Unknown" or no rows, never an exception.
/// </summary>
public static class DetectorParsing
{
    /// <summary>The detector's verdict: its <c>statusId</c> ("Unknown" when absent) and the first line of its message.</summary>
    public static DetectorFinding Status(string detector, JsonElement response)
    {
        var status = Json.Obj(Json.Obj(response, "properties"), "status");
        return new DetectorFinding(detector, Json.Str(status, "statusId") ?? "Unknown", Display.FirstLine(Json.Str(status, "message") ?? string.Empty));
    }

    /// <summary>
    /// Crashes per instance: rows of any table with an Instance and a Reason column whose reason names an
    /// exception or a crash (the Application Crashes detector). Tables without both columns are ignored.
    /// </summary>
    public static IReadOnlyDictionary<string, int> CountCrashes(JsonElement response)
    {
        var crashes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        CountCrashes(response, crashes);
        return crashes;
    }

    /// <summary>Adds the crashes of <paramref name="response"/> to <paramref name="crashes"/> (several detectors, one count).</summary>
    internal static void CountCrashes(JsonElement response, Dictionary<string, int> crashes)
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
}
