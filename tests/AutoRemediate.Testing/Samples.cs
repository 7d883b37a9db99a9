using System.Text.Json.Nodes;

namespace AutoRemediate.Testing;

/// <summary>Sample payloads: the public ones in shared/samples (beside the repository) and our own.</summary>
public static class Samples
{
    /// <summary>The Sandbox app every walking-skeleton test alerts on.</summary>
    public const string ShopSiteId = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AutoRemediate.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The shared samples folder (<c>../shared/samples</c> next to the repository).</summary>
    public static string SharedSamples
    {
        get
        {
            var candidates = new[]
            {
                Path.Combine(RepositoryRoot, "..", "shared", "samples"),
                Path.Combine(RepositoryRoot, "..", "..", "shared", "samples"),
            };
            return candidates.Select(Path.GetFullPath).FirstOrDefault(Directory.Exists)
                ?? throw new InvalidOperationException("shared/samples not found beside the repository.");
        }
    }

    /// <summary>Our own collection of public payloads (provenance in Samples/SOURCES.md), copied beside the tests.</summary>
    public static string LocalSamples => Path.Combine(AppContext.BaseDirectory, "Samples");

    /// <summary>
    /// Reads one of our own samples as JSON. Documentation placeholders where Azure sends a subscription
    /// GUID ("&lt;subscription id&gt;", "12345a-1234b-...") are replaced by a GUID, as in a real delivery.
    /// </summary>
    public static JsonNode Local(string relativePath) => JsonNode.Parse(WithRealSubscriptionIds(File.ReadAllText(Path.Combine(LocalSamples, relativePath))))!;

    /// <summary>Replaces documentation placeholders for subscription ids with a GUID.</summary>
    public static string WithRealSubscriptionIds(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, @"/subscriptions/(<subscription id>|12345a-1234b-123c-123d-12345678e|\{subscription-id\}|<id>)", "/subscriptions/11111111-2222-3333-4444-555555555555", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    /// <summary>Full common-alert-schema payloads, from shared/samples and our own collection.</summary>
    public static IEnumerable<(string Name, JsonNode Payload)> CommonAlerts() =>
        Directory.GetFiles(Path.Combine(SharedSamples, "alerts"), "testaction.*.json").Select(f => ("shared/" + Path.GetFileName(f), JsonNode.Parse(File.ReadAllText(f))!))
            .Concat(Directory.GetFiles(Path.Combine(LocalSamples, "alerts"), "common.*.json")
                .Where(f => !f.EndsWith(".alertContext.json", StringComparison.Ordinal))
                .Select(f => (Path.GetFileName(f), JsonNode.Parse(WithRealSubscriptionIds(File.ReadAllText(f)))!)));

    /// <summary>Reads a shared sample as JSON.</summary>
    public static JsonNode Shared(string relativePath) => JsonNode.Parse(File.ReadAllText(Path.Combine(SharedSamples, relativePath)))!;

    /// <summary>
    /// A common-alert-schema metric alert (the public static-threshold sample) retargeted at an App
    /// Service app, with a fresh alert id and fired time so each call is a new alert instance.
    /// </summary>
    public static JsonNode MetricAlertFor(string siteResourceId, string? alertId = null, DateTimeOffset? firedAt = null)
    {
        var alert = Shared("alerts/testaction.metric-static.json");
        var essentials = alert["data"]!["essentials"]!;
        essentials["alertId"] = alertId ?? $"/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";
        essentials["alertTargetIDs"] = new JsonArray(siteResourceId);
        essentials["firedDateTime"] = (firedAt ?? DateTimeOffset.UtcNow).ToString("O");
        var criterion = alert["data"]!["alertContext"]!["condition"]!["allOf"]![0]!;
        criterion["metricName"] = "MemoryWorkingSet";
        criterion["metricNamespace"] = "Microsoft.Web/sites";
        // 1.5 GiB: the Sandbox's leaking contoso-shop is above it until a restart.
        criterion["operator"] = "GreaterThan";
        criterion["threshold"] = "1610612736";
        criterion["timeAggregation"] = "Average";
        // A 1-minute rule: its window holds only the minute in progress, so a restart shows on the next
        // verification poll. (A 5-minute rule keeps the restart's minutes in its window for five minutes.)
        alert["data"]!["alertContext"]!["condition"]!["windowSize"] = "PT1M";
        return alert;
    }
}
