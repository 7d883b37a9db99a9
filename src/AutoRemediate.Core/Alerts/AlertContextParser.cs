using System.Globalization;
using System.Text.Json;
using System.Xml;
using AutoRemediate.Shared;

namespace AutoRemediate.Alerts;

/// <summary>
/// Reads the signal-specific <c>alertContext</c> of the common alert schema. Lenient on purpose:
/// Azure Monitor adds and reshapes context fields over time, and a remediation pipeline that refused
/// an alert because of an unexpected context field would lose the alert. Only the essentials are
/// validated strictly (<see cref="CommonAlertSchemaParser"/>); here an unreadable field is left empty.
/// Free text is capped so the signal stays small in orchestration history.
/// </summary>
public static class AlertContextParser
{
    /// <summary>Longest query, link or summary kept.</summary>
    public const int MaxText = 2000;

    /// <summary>Longest custom property or dimension name kept.</summary>
    public const int MaxKey = 256;

    /// <summary>Most custom properties or dimensions kept.</summary>
    public const int MaxEntries = 20;

    /// <summary>Fills the context-derived members of <paramref name="signal"/>.</summary>
    public static AlertSignal Enrich(AlertSignal signal, JsonElement data, JsonElement essentials)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var context = data.TryGetProperty("alertContext", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var condition = Obj(context, "condition");
        var conditionType = Str(context, "conditionType");
        var conditions = ParseConditions(condition);
        var kind = Classify(signal.MonitoringService, conditionType, context, conditions);
        var properties = Obj(context, "properties");

        return signal with
        {
            Kind = kind,
            Conditions = conditions.Count > 0 ? conditions : null,
            Window = ParseWindow(condition, context),
            Log = kind == SignalKind.LogSearch ? ParseLog(context, conditions) : null,
            Health = kind == SignalKind.ResourceHealth ? new ResourceHealthDetails(
                Str(properties, "currentHealthStatus"), Str(properties, "previousHealthStatus"), Str(properties, "cause"), Str(properties, "type"), Str(properties, "title")) : null,
            Activity = kind is SignalKind.ActivityLog or SignalKind.ResourceHealth or SignalKind.ServiceHealth ? new ActivityLogDetails(
                Str(context, "operationName"), Str(context, "status"), Str(context, "caller"), Str(context, "level"),
                Str(properties, "title"), Str(properties, "region"), Str(properties, "incidentType"),
                Str(properties, "trackingId"), Str(properties, "stage"), Str(properties, "service")) : null,
            Summary = InputText.Clean(Summarize(kind, context, properties), MaxText),
            CustomProperties = StringMap(Obj(data, "customProperties")) ?? StringMap(properties is { ValueKind: JsonValueKind.Object } && kind is SignalKind.MetricStatic or SignalKind.MetricDynamic or SignalKind.LogSearch ? properties : default),
            AlertContextVersion = Str(essentials, "alertContextVersion"),
        };
    }

    private static SignalKind Classify(string monitoringService, string? conditionType, JsonElement context, List<AlertCondition> conditions)
    {
        var service = monitoringService.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (string.Equals(conditionType, "WebtestLocationAvailabilityCriteria", StringComparison.OrdinalIgnoreCase))
        {
            return SignalKind.Availability;
        }

        return service.ToUpperInvariant() switch
        {
            "PLATFORM" => string.Equals(conditionType, "DynamicThresholdCriteria", StringComparison.OrdinalIgnoreCase) ? SignalKind.MetricDynamic : SignalKind.MetricStatic,
            "LOGANALYTICS" or "LOGALERTSV2" => SignalKind.LogSearch,
            "APPLICATIONINSIGHTS" => Str(context, "SearchQuery") is not null ? SignalKind.LogSearch : conditions.Count > 0 ? SignalKind.MetricStatic : SignalKind.Other,
            "RESOURCEHEALTH" => SignalKind.ResourceHealth,
            "SERVICEHEALTH" => SignalKind.ServiceHealth,
            "SMARTDETECTOR" => SignalKind.SmartDetection,
            "PROMETHEUS" => SignalKind.Prometheus,
            _ when service.StartsWith("ActivityLog", StringComparison.OrdinalIgnoreCase) => SignalKind.ActivityLog,
            _ => SignalKind.Other,
        };
    }

    private static List<AlertCondition> ParseConditions(JsonElement condition)
    {
        var list = new List<AlertCondition>();
        if (condition.ValueKind != JsonValueKind.Object || !condition.TryGetProperty("allOf", out var allOf) || allOf.ValueKind != JsonValueKind.Array)
        {
            return list;
        }

        foreach (var item in allOf.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).Take(MaxEntries))
        {
            list.Add(new AlertCondition(
                Str(item, "metricName") ?? Str(item, "metricMeasureColumn"),
                Str(item, "metricNamespace"),
                Str(item, "operator"),
                Str(item, "threshold"),
                Num(item, "metricValue"),
                Str(item, "timeAggregation"),
                Dimensions(item),
                Str(item, "alertSensitivity"),
                Str(item, "searchQuery")));
        }

        return list;
    }

    private static EvaluationWindow? ParseWindow(JsonElement condition, JsonElement context)
    {
        var size = Duration(Str(condition, "windowSize"));
        var start = Time(Str(condition, "windowStartTime") ?? Str(context, "SearchIntervalStartTimeUtc"));
        var end = Time(Str(condition, "windowEndTime") ?? Str(context, "SearchIntervalEndtimeUtc"));
        if (size is null && Num(context, "SearchIntervalInMinutes") is { } minutes)
        {
            size = TimeSpan.FromMinutes(minutes);
        }

        return size is null && start is null && end is null ? null : new EvaluationWindow(size, start, end);
    }

    private static LogSearchDetails ParseLog(JsonElement context, List<AlertCondition> conditions)
    {
        // Context v1 (Log Analytics / Application Insights) keeps the query at the top; Log Alerts V2
        // keeps it per criterion, with the measured value as metricValue.
        var first = conditions.Count > 0 ? conditions[0] : null;
        var criterion = Obj(Obj(context, "condition"), "allOf", 0);
        return new LogSearchDetails(
            Str(context, "SearchQuery") ?? first?.Query,
            Num(context, "ResultCount") ?? first?.ObservedValue,
            Str(context, "LinkToSearchResults") ?? Str(criterion, "linkToSearchResultsUI") ?? Str(context, "LinkToSearchResultsUI"),
            Str(context, "LinkToFilteredSearchResultsUI") ?? Str(criterion, "linkToFilteredSearchResultsUI"));
    }

    private static string? Summarize(SignalKind kind, JsonElement context, JsonElement properties) => kind switch
    {
        SignalKind.SmartDetection => Join(Str(context, "DetectionSummary"),
            Str(context, "DetectedValue") is { } detected ? $"detected {detected}" : null,
            Str(context, "NormalValue") is { } normal ? $"normally {normal}" : null),
        SignalKind.Prometheus => Join(Str(Obj(context, "labels"), "alertname"),
            Str(context, "expression") is { } expression ? $"{expression.Trim()} = {Str(context, "expressionValue") ?? "?"}" : null),
        SignalKind.ServiceHealth => Join(Str(properties, "title"), Str(properties, "service"), Str(properties, "region")),
        SignalKind.ResourceHealth => Join(Str(properties, "title"), Str(properties, "details")),
        _ => null,
    };

    private static string? Join(params string?[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray();
        return present.Length == 0 ? null : string.Join("; ", present);
    }

    private static Dictionary<string, string>? Dimensions(JsonElement item)
    {
        if (!item.TryGetProperty("dimensions", out var dims) || dims.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in dims.EnumerateArray().Take(MaxEntries))
        {
            if (Str(d, "name") is { } name && InputText.Clean(name, MaxKey) is { } key && !map.ContainsKey(key))
            {
                map[key] = Str(d, "value") ?? string.Empty;
            }
        }

        return map.Count > 0 ? map : null;
    }

    private static Dictionary<string, string>? StringMap(JsonElement obj)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject().Take(MaxEntries))
        {
            if (p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            {
                map[InputText.Clean(p.Name, MaxKey)!] = InputText.Clean(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText(), MaxText)!;
            }
        }

        return map.Count > 0 ? map : null;
    }

    private static JsonElement Obj(JsonElement parent, string name, int? index = null)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return default;
        }

        if (index is { } i)
        {
            return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > i ? value[i] : default;
        }

        return value.ValueKind == JsonValueKind.Object ? value : default;
    }

    private static string? Str(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        // Every context string is cleaned of control characters and capped here, once: the context
        // is free text, kept as evidence, and never refuses an alert.
        return value.ValueKind switch
        {
            JsonValueKind.String => string.IsNullOrEmpty(value.GetString()) ? null : InputText.Clean(value.GetString(), MaxText),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    private static double? Num(JsonElement parent, string name) =>
        Str(parent, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private static TimeSpan? Duration(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) ? value : null;
}
