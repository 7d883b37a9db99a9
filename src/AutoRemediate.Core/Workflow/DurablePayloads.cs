using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;

namespace AutoRemediate.Workflow;

/// <summary>
/// How both hosts serialize what travels through the Durable backend (orchestration inputs and outputs, activity
/// inputs and results, events, custom status): the Durable Task SDK's defaults (fields included) plus two changes
/// that keep every history row smaller. Nulls are left out (a record's absent member reads back as null, as every
/// optional member here defaults to null), and characters that only matter inside HTML (<c>'</c>, <c>+</c>,
/// <c>&lt;</c>, non-ASCII) are written as themselves instead of <c>\uXXXX</c>: these payloads are stored and replayed,
/// never put into a page. Reading accepts both forms, so histories written before stay readable.
/// </summary>
public static class DurablePayloads
{
    /// <summary>The serializer options (the Function App's worker serializer uses them too).</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        IncludeFields = true,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The Durable Task SDK converter over <see cref="Options"/> (the DevHost's worker and client).</summary>
    public static DataConverter Converter { get; } = new JsonDataConverter(Options);
}
