using System.Text;
using System.Text.Json.Nodes;

namespace AutoRemediate.Testing;

/// <summary>One malformed delivery and the answer it must get.</summary>
/// <param name="Name">What was broken, for failure messages.</param>
/// <param name="Body">The bytes sent.</param>
/// <param name="ContentType">The Content-Type sent.</param>
/// <param name="ExpectedStatus">400, 413 or 415.</param>
public sealed record MalformedPayload(string Name, byte[] Body, string? ContentType, int ExpectedStatus);

/// <summary>
/// Generates malformed variants of real alert payloads. Every variant is broken in a way that must be
/// refused (never a variant that happens to stay valid): truncated JSON, required essentials removed or
/// of the wrong type or value, malformed resource ids, wrong schema, wrong root, invalid UTF-8, too deep,
/// wrong content type, too large. Deterministic for a seed.
/// </summary>
public static class MalformedPayloads
{
    // Removing one of these is a 400; alertRule, severity, signalType and alertTargetIDs may be null
    // in a well-formed alert that is not about an app (answered 200 ignored), so they are only mistyped.
    private static readonly string[] s_required = ["alertId", "monitorCondition", "monitoringService", "firedDateTime"];

    private static readonly string[] s_typed = ["alertId", "alertRule", "severity", "signalType", "monitorCondition", "monitoringService", "alertTargetIDs", "firedDateTime"];

    private static readonly Func<JsonNode?>[] s_wrongTypes =
    [
        () => JsonValue.Create(42), () => JsonValue.Create(true), () => new JsonObject { ["x"] = 1 }, () => new JsonArray(1, 2),
    ];

    // Only required fields: null or blank in alertRule, severity or signalType means "not about an app".
    private static readonly Func<JsonNode?>[] s_blank = [() => null, () => JsonValue.Create(""), () => JsonValue.Create("   ")];

    // Target entries that are not even text an id could be: any other string is answered 200 ignored
    // with the reason (it is not an App Service id), never fetched.
    private static readonly string[] s_badIds =
    [
        "", " ", new string('a', 1100), "/subscriptions/\u0000", "/subscriptions/11111111-2222-3333-4444-555555555555\n",
    ];

    private static readonly (string Field, string Value)[] s_badValues =
    [
        ("severity", "Sev5"), ("severity", "high"), ("severity", "sev"), ("monitorCondition", "Fired!"), ("monitorCondition", "Active"),
        ("firedDateTime", "yesterday"), ("firedDateTime", "2025-13-45T00:00:00Z"), ("resolvedDateTime", "not a time"),
    ];

    /// <summary>At least <paramref name="count"/> variants of the given real payloads.</summary>
    public static IReadOnlyList<MalformedPayload> Generate(IReadOnlyList<JsonNode> payloads, int count, int seed = 20251125)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var random = new Random(seed);
        var list = new List<MalformedPayload>();
        var round = 0;
        while (list.Count < count)
        {
            var source = payloads[round++ % payloads.Count];
            var text = source.ToJsonString();
            var which = random.Next(12);
            switch (which)
            {
                case 0:
                    var cut = random.Next(0, text.Length - 1);
                    list.Add(new($"truncated at {cut}", Encoding.UTF8.GetBytes(text[..cut]), "application/json", 400));
                    break;
                case 1:
                    var removed = s_required[random.Next(s_required.Length)];
                    list.Add(Mutate(source, $"without {removed}", n => Essentials(n).Remove(removed)));
                    break;
                case 2:
                    var field = s_typed[random.Next(s_typed.Length)];
                    Func<JsonNode?>[] pool = s_required.Contains(field) ? [.. s_wrongTypes, .. s_blank] : field == "alertTargetIDs" ? [.. s_wrongTypes, .. s_blank[1..]] : s_wrongTypes;
                    var value = pool[random.Next(pool.Length)];
                    list.Add(Mutate(source, $"{field} of the wrong type", n => Essentials(n)[field] = value()));
                    break;
                case 3:
                    var bad = s_badIds[random.Next(s_badIds.Length)];
                    list.Add(Mutate(source, $"target '{bad}'", n => Essentials(n)["alertTargetIDs"] = new JsonArray(JsonValue.Create(bad))));
                    break;
                case 4:
                    var (name, badValue) = s_badValues[random.Next(s_badValues.Length)];
                    list.Add(Mutate(source, $"{name} = '{badValue}'", n => Essentials(n)[name] = badValue));
                    break;
                case 5:
                    var schema = random.Next(3) switch { 0 => "AzureMonitorMetricAlert", 1 => "Microsoft.Insights/activityLogs", _ => "something-else" };
                    list.Add(Mutate(source, $"schemaId {schema}", n => n["schemaId"] = schema));
                    break;
                case 6:
                    list.Add(Mutate(source, "no schemaId", n => n.AsObject().Remove("schemaId")));
                    break;
                case 7:
                    var root = random.Next(3) switch { 0 => "[" + text + "]", 1 => "\"" + text.Replace("\"", "'", StringComparison.Ordinal) + "\"", _ => "12345" };
                    list.Add(new("wrong root", Encoding.UTF8.GetBytes(root), "application/json", 400));
                    break;
                case 8:
                    var part = random.Next(2) == 0 ? "data" : "essentials";
                    list.Add(Mutate(source, $"{part} of the wrong type", n =>
                    {
                        if (part == "data")
                        {
                            n["data"] = s_wrongTypes.Concat(s_blank).ElementAt(random.Next(5))();
                        }
                        else
                        {
                            n["data"]!["essentials"] = s_wrongTypes.Concat(s_blank).ElementAt(random.Next(5))();
                        }
                    }));
                    break;
                case 9:
                    var bytes = Encoding.UTF8.GetBytes(text).ToList();
                    var at = text.IndexOf("alertRule", StringComparison.Ordinal) + 14;
                    bytes.InsertRange(Math.Clamp(at, 1, bytes.Count - 1), new byte[] { 0xC3, 0x28, 0xFF });
                    list.Add(new("invalid UTF-8", [.. bytes], "application/json", 400));
                    break;
                case 10:
                    var depth = 65 + random.Next(200);
                    list.Add(new($"nested {depth} deep", Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)), "application/json", 400));
                    break;
                default:
                    var contentType = random.Next(4) switch { 0 => "text/plain", 1 => "application/xml", 2 => "application/x-www-form-urlencoded", _ => null };
                    list.Add(new($"content type {contentType ?? "(none)"}", Encoding.UTF8.GetBytes(text), contentType, 415));
                    break;
            }
        }

        list.Add(new("over the size limit", Encoding.UTF8.GetBytes("{\"schemaId\":\"" + new string('x', 1024 * 1024) + "\"}"), "application/json", 413));
        return list;
    }

    private static JsonObject Essentials(JsonNode node) => node["data"]!["essentials"]!.AsObject();

    private static MalformedPayload Mutate(JsonNode source, string name, Action<JsonNode> mutate)
    {
        var copy = JsonNode.Parse(source.ToJsonString())!;
        mutate(copy);
        return new(name, Encoding.UTF8.GetBytes(copy.ToJsonString()), "application/json", 400);
    }
}
