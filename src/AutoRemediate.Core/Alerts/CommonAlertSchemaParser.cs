using System.Globalization;
using System.Text.Json;
using AutoRemediate.Http;
using AutoRemediate.Shared;

namespace AutoRemediate.Alerts;

/// <summary>
/// Reads the Azure Monitor common alert schema
/// (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema) into an <see cref="AlertSignal"/>.
/// Pure: no I/O, no clock. Every problem found is reported, not just the first.
/// </summary>
public static class CommonAlertSchemaParser
{
    /// <summary>The <c>schemaId</c> of the common alert schema.</summary>
    public const string SchemaId = "azureMonitorCommonAlertSchema";

    private static readonly string[] s_legacySchemaIds =
    [
        "AzureMonitorMetricAlert", "Microsoft.Insights/activityLogs", "Microsoft.Insights/LogAlert",
    ];

    // Older log-search and smart-detection webhooks carry no schemaId; these fields give them away.
    private static readonly string[] s_legacyMarkers = ["SearchQuery", "SearchResult", "SearchResults", "AlertRuleName", "WorkspaceId", "ApplicationId", "DetectionSummary", "AlertThresholdOperator"];

    /// <summary>Longest alert id, rule name or other identifying field accepted; longer is a 400 naming the field.</summary>
    public const int MaxIdentityLength = 1024;

    /// <summary>Longest description kept (cut, not refused).</summary>
    public const int MaxDescriptionLength = AlertContextParser.MaxText;

    /// <summary>Parses a UTF-8 JSON payload; more than <paramref name="maxTargets"/> targets is refused.</summary>
    public static AlertParseResult Parse(ReadOnlyMemory<byte> utf8Json, int maxTargets = IngestOptions.DefaultMaxTargetsPerAlert)
    {
        if (utf8Json.IsEmpty)
        {
            return AlertParseResult.Failure("The request body is empty.", [new InputError("$", "Send the alert as a JSON object in the common alert schema.")]);
        }

        // JsonDocument accepts invalid UTF-8 inside strings and only fails when a string is read.
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json.Span))
        {
            return AlertParseResult.Failure("The request body is not valid UTF-8.", [new InputError("$", "Send the alert as UTF-8 encoded JSON.")]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            return AlertParseResult.Failure("The request body is not valid JSON.", [new InputError("$", $"Not valid JSON{where}.")]);
        }

        using (document)
        {
            return Parse(document.RootElement, maxTargets);
        }
    }

    /// <summary>Parses an already-parsed JSON element; more than <paramref name="maxTargets"/> targets is refused.</summary>
    public static AlertParseResult Parse(JsonElement root, int maxTargets = IngestOptions.DefaultMaxTargetsPerAlert)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return AlertParseResult.Failure("The alert must be a JSON object.", [new InputError("$", $"Expected an object, got {Describe(root.ValueKind)}.")]);
        }

        var schemaId = root.TryGetProperty("schemaId", out var schemaElement) && schemaElement.ValueKind == JsonValueKind.String
            ? schemaElement.GetString()
            : null;
        if (!string.Equals(schemaId, SchemaId, StringComparison.OrdinalIgnoreCase))
        {
            var legacy = (schemaId is not null && s_legacySchemaIds.Contains(schemaId, StringComparer.OrdinalIgnoreCase))
                || (schemaId is null && LooksLegacy(root));
            var message = legacy
                ? $"{(schemaId is null ? "This is an older alert payload" : $"'{schemaId}' is an older alert schema")}. Enable the common alert schema on the action group's webhook (useCommonAlertSchema: true)."
                : schemaId is null
                    ? $"Missing 'schemaId'. Expected '{SchemaId}': enable the common alert schema on the action group's webhook."
                    : $"Unknown schemaId '{schemaId}'. Expected '{SchemaId}': enable the common alert schema on the action group's webhook.";
            return AlertParseResult.Failure("The alert is not in the Azure Monitor common alert schema.", [new InputError("schemaId", message)]);
        }

        var errors = new List<InputError>();
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new InputError("data", "Required object is missing."));
            return Fail(errors);
        }

        if (!data.TryGetProperty("essentials", out var essentials) || essentials.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new InputError("data.essentials", "Required object is missing."));
            return Fail(errors);
        }

        const string at = "data.essentials.";
        // Required of every alert: what it is, whether it fired, when. alertRule, severity, signalType
        // and the targets are left null by some well-formed notifications that are simply not about an
        // app (a budget alert's test notification): those are acknowledged and ignored, not refused.
        var alertId = RequiredString(essentials, "alertId", at, errors);
        var monitoringService = RequiredString(essentials, "monitoringService", at, errors);
        var alertRule = OptionalString(essentials, "alertRule", at, errors);
        var severity = OptionalString(essentials, "severity", at, errors);
        var signalType = OptionalString(essentials, "signalType", at, errors);
        var description = InputText.Clean(OptionalString(essentials, "description", at, errors, freeText: true), MaxDescriptionLength);
        var condition = ParseCondition(essentials, at, errors);
        var firedAt = RequiredTime(essentials, "firedDateTime", at, errors);
        var resolvedAt = OptionalTime(essentials, "resolvedDateTime", at, errors);
        var targets = ParseTargets(essentials, at, errors, maxTargets);

        if (severity is not null && !IsSeverity(severity))
        {
            errors.Add(new InputError(at + "severity", $"'{Truncate(severity)}' is not a severity; expected Sev0 to Sev4."));
        }

        if (errors.Count > 0)
        {
            return Fail(errors);
        }

        var missing = new[] { ("alertRule", alertRule), ("severity", severity), ("signalType", signalType) }
            .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToList();
        if (targets!.Count == 0)
        {
            missing.Add("alertTargetIDs");
        }

        if (missing.Count > 0)
        {
            return AlertParseResult.Ignored(alertId!,
                $"The {monitoringService} alert names no {string.Join(", ", missing)}, so it is not about an App Service app (a budget or test notification?); nothing to remediate.");
        }

        var signal = new AlertSignal(
            alertId!, alertRule!, severity!, signalType!, condition!.Value, monitoringService!,
            targets, firedAt!.Value, resolvedAt, description);
        return AlertParseResult.Success(AlertContextParser.Enrich(signal, data, essentials));
    }

    private static bool LooksLegacy(JsonElement root)
    {
        var scope = root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data : root;
        // The older smart-detection webhook sends the Alerts Management alert resource itself.
        var alertResource = root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            && properties.TryGetProperty("essentials", out _);
        return alertResource || s_legacyMarkers.Any(m => scope.TryGetProperty(m, out _) || root.TryGetProperty(m, out _));
    }

    private static AlertParseResult Fail(List<InputError> errors) =>
        AlertParseResult.Failure("The alert is missing required fields or has invalid values.", errors);

    private static MonitorCondition? ParseCondition(JsonElement essentials, string at, List<InputError> errors)
    {
        var value = RequiredString(essentials, "monitorCondition", at, errors);
        if (value is null)
        {
            return null;
        }

        if (Enum.TryParse<MonitorCondition>(value, ignoreCase: true, out var condition) && Enum.IsDefined(condition))
        {
            return condition;
        }

        errors.Add(new InputError(at + "monitorCondition", $"'{value}' is not a monitor condition; expected Fired or Resolved."));
        return null;
    }

    // Targets are checked for shape only (strings, how many, how long): whether a target is an App
    // Service resource is the ingestor's call, and one that is not is ignored with the reason.
    private static List<string>? ParseTargets(JsonElement essentials, string at, List<InputError> errors, int maxTargets)
    {
        const string name = "alertTargetIDs";
        if (!essentials.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new InputError(at + name, $"Expected an array of resource ids, got {Describe(element.ValueKind)}."));
            return null;
        }

        var count = element.GetArrayLength();
        if (count > maxTargets)
        {
            errors.Add(new InputError(at + name, $"The alert names {count} targets; at most {maxTargets} are accepted in one alert ({IngestOptions.SectionName}:{nameof(IngestOptions.MaxTargetsPerAlert)})."));
            return null;
        }

        var targets = new List<string>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var path = $"{at}{name}[{index++}]";
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                errors.Add(new InputError(path, "Expected a resource id string."));
                continue;
            }

            var id = item.GetString()!;
            if (CheckIdentity(id, path, errors))
            {
                targets.Add(id);
            }
        }

        return targets;
    }

    // Identifying text is stored (and keyed on) as sent: too long or with control characters, it is refused.
    private static bool CheckIdentity(string value, string path, List<InputError> errors, int maxLength = MaxIdentityLength)
    {
        if (value.Length > maxLength)
        {
            errors.Add(new InputError(path, $"Longer than {maxLength:N0} characters ({value.Length:N0})."));
            return false;
        }

        if (!InputText.IsClean(value))
        {
            errors.Add(new InputError(path, "Contains control characters or invalid UTF-16."));
            return false;
        }

        return true;
    }

    private static bool IsSeverity(string value) =>
        value.Length == 4 && value.StartsWith("Sev", StringComparison.OrdinalIgnoreCase) && value[3] is >= '0' and <= '4';

    private static string? RequiredString(JsonElement parent, string name, string at, List<InputError> errors)
    {
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new InputError(at + name, "Required field is missing."));
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add(new InputError(at + name, $"Expected a string, got {Describe(element.ValueKind)}."));
            return null;
        }

        var value = element.GetString();
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new InputError(at + name, "Required field is empty."));
            return null;
        }

        return CheckIdentity(value, at + name, errors) ? value : null;
    }

    private static string? OptionalString(JsonElement parent, string name, string at, List<InputError> errors, bool freeText = false)
    {
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add(new InputError(at + name, $"Expected a string, got {Describe(element.ValueKind)}."));
            return null;
        }

        // Free text (a description) is cleaned and cut by the caller; identifying text must be clean.
        var value = element.GetString();
        return value is null || freeText || CheckIdentity(value, at + name, errors) ? value : null;
    }

    private static DateTimeOffset? RequiredTime(JsonElement parent, string name, string at, List<InputError> errors)
    {
        var text = RequiredString(parent, name, at, errors);
        return text is null ? null : ParseTime(text, at + name, errors);
    }

    private static DateTimeOffset? OptionalTime(JsonElement parent, string name, string at, List<InputError> errors)
    {
        var text = OptionalString(parent, name, at, errors);
        return string.IsNullOrEmpty(text) ? null : ParseTime(text, at + name, errors);
    }

    private static DateTimeOffset? ParseTime(string text, string path, List<InputError> errors)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors.Add(new InputError(path, $"'{Truncate(text)}' is not an ISO 8601 date and time."));
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Truncate(string value) => value.Length <= 200 ? value : value[..200] + "…";
}
