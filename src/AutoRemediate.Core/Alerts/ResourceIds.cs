using Azure.Core;

namespace AutoRemediate.Alerts;

/// <summary>Helpers over Azure resource ids, which Azure compares case-insensitively.</summary>
public static class ResourceIds
{
    /// <summary>The resource type of an App Service app.</summary>
    public const string SitesType = "Microsoft.Web/sites";

    /// <summary>Parses a resource id; false (never an exception) when it is not one.</summary>
    public static bool TryParse(string? value, out ResourceIdentifier? id)
    {
        id = null;
        if (string.IsNullOrWhiteSpace(value) || !value.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            id = new ResourceIdentifier(value);
            // ResourceIdentifier parses lazily: touching these forces validation.
            _ = id.ResourceType;
            _ = id.SubscriptionId;
            return !string.IsNullOrEmpty(id.Name) && id.SubscriptionId is not null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            id = null;
            return false;
        }
    }

    /// <summary>True when the id names an App Service app (not a slot or a plan).</summary>
    public static bool IsSite(ResourceIdentifier id) =>
        string.Equals(id.ResourceType.ToString(), SitesType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The canonical form used for keys and hashing: trimmed, lower-cased, no trailing slash.</summary>
    public static string Normalize(string resourceId) => resourceId.Trim().TrimEnd('/').ToLowerInvariant();
}
