namespace AutoRemediate.Alerts;

/// <summary>
/// Which App Service resources the pipeline may remediate. All lists empty means no restriction
/// beyond what the pipeline identity's Azure RBAC allows. When any list has entries, a target must
/// match at least one entry of any list; everything else is acknowledged and ignored.
/// </summary>
public sealed class ScopeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Scope";

    /// <summary>Subscription ids (GUIDs).</summary>
    public IList<string> AllowedSubscriptions { get; } = [];

    /// <summary>Resource group ids: <c>/subscriptions/{sub}/resourceGroups/{rg}</c>.</summary>
    public IList<string> AllowedResourceGroups { get; } = [];

    /// <summary>Resource ids of sites or plans; a site's entry also covers its slots.</summary>
    public IList<string> AllowedResourceIds { get; } = [];
}

/// <summary>Decides whether a target is in the configured scope. Pure.</summary>
public sealed class ScopeGuard
{
    private readonly ScopeOptions _options;

    /// <summary>Creates the guard.</summary>
    public ScopeGuard(Microsoft.Extensions.Options.IOptions<ScopeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <summary>Null when in scope; otherwise why not.</summary>
    public string? OutOfScopeReason(global::Azure.Core.ResourceIdentifier target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_options.AllowedSubscriptions.Count == 0 && _options.AllowedResourceGroups.Count == 0 && _options.AllowedResourceIds.Count == 0)
        {
            return null;
        }

        var id = ResourceIds.Normalize(target.ToString());
        var resourceGroup = target.ResourceGroupName is { } rg ? $"/subscriptions/{target.SubscriptionId}/resourcegroups/{rg}".ToLowerInvariant() : null;
        var inScope =
            _options.AllowedSubscriptions.Any(s => string.Equals(s.Trim(), target.SubscriptionId, StringComparison.OrdinalIgnoreCase))
            || (resourceGroup is not null && _options.AllowedResourceGroups.Any(g => ResourceIds.Normalize(g) == resourceGroup))
            || _options.AllowedResourceIds.Select(ResourceIds.Normalize).Any(a => id == a || id.StartsWith(a + "/slots/", StringComparison.Ordinal));
        return inScope ? null : "The target is outside the configured scope (Scope:AllowedSubscriptions / AllowedResourceGroups / AllowedResourceIds).";
    }
}
