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
        return alert;
    }
}
