using Azure.Core;

namespace AutoRemediate.Alerts;

/// <summary>What kind of App Service resource an alert targets.</summary>
public enum TargetKind
{
    /// <summary>An app (<c>Microsoft.Web/sites</c>), including function apps.</summary>
    Site,

    /// <summary>A deployment slot (<c>Microsoft.Web/sites/slots</c>).</summary>
    Slot,

    /// <summary>An App Service plan (<c>Microsoft.Web/serverfarms</c>): plan-level alerts such as CpuPercentage.</summary>
    Plan,
}

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
            id = new ResourceIdentifier(value.Trim());
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
    public static bool IsSite(ResourceIdentifier id) => KindOf(id) == TargetKind.Site;

    /// <summary>The App Service kind of the resource, or null when it is not one we remediate.</summary>
    public static TargetKind? KindOf(ResourceIdentifier id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var type = id.ResourceType.ToString();
        return type switch
        {
            _ when type.Equals("Microsoft.Web/sites", StringComparison.OrdinalIgnoreCase) => TargetKind.Site,
            _ when type.Equals("Microsoft.Web/sites/slots", StringComparison.OrdinalIgnoreCase) => TargetKind.Slot,
            _ when type.Equals("Microsoft.Web/serverfarms", StringComparison.OrdinalIgnoreCase) => TargetKind.Plan,
            _ => null,
        };
    }

    /// <summary>The canonical form used for keys and hashing: trimmed, lower-cased, no trailing slash.</summary>
    public static string Normalize(string resourceId)
    {
        ArgumentNullException.ThrowIfNull(resourceId);
        return resourceId.Trim().TrimEnd('/').ToLowerInvariant();
    }
}
