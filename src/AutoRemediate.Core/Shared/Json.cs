using System.Globalization;
using System.Text.Json;
using System.Xml;

namespace AutoRemediate.Shared;

/// <summary>Tolerant readers for Azure's JSON: numbers may come as strings and vice versa, absent is null.</summary>
internal static class Json
{
    public static JsonElement Obj(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    public static string? Str(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    public static long? Long(JsonElement parent, string name) =>
        Str(parent, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? (long)value : null;

    public static int? Int(JsonElement parent, string name) => Long(parent, name) is { } value && value is >= int.MinValue and <= int.MaxValue ? (int)value : null;

    public static double? Double(JsonElement parent, string name) =>
        Str(parent, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    public static bool? Bool(JsonElement parent, string name) => Str(parent, name) is { } text && bool.TryParse(text, out var value) ? value : null;

    public static DateTimeOffset? Time(JsonElement parent, string name) =>
        Str(parent, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) ? value : null;

    /// <summary>Kudu writes CPU times as "hh:mm:ss.fff" (TimeSpan) and ARM examples as ISO 8601 durations; accept both.</summary>
    public static TimeSpan? Duration(JsonElement parent, string name)
    {
        var text = Str(parent, name);
        if (text is null)
        {
            return null;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            return span;
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
}
