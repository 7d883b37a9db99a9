using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Shared;

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

    /// <summary>
    /// Ids of apps, slots or plans; an app's entry also covers its slots. Scaling changes a plan, so
    /// where apps are listed by id, list their plan too for the pipeline to scale it.
    /// </summary>
    public IList<string> AllowedResourceIds { get; } = [];
}

/// <summary>Stops the host at start when a Scope entry is not what its list holds: a typo would otherwise silently match nothing.</summary>
public sealed partial class ScopeOptionsValidator : IValidateOptions<ScopeOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScopeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        failures.AddRange(options.AllowedSubscriptions.Where(s => !Guid.TryParseExact(s.Trim(), "D", out _))
            .Select(s => $"{ScopeOptions.SectionName}:{nameof(ScopeOptions.AllowedSubscriptions)} entry '{s}' is not a subscription id (a GUID)."));
        failures.AddRange(options.AllowedResourceGroups.Where(g => !ResourceGroupId().IsMatch(g.Trim()))
            .Select(g => $"{ScopeOptions.SectionName}:{nameof(ScopeOptions.AllowedResourceGroups)} entry '{g}' is not a resource group id (/subscriptions/{{guid}}/resourceGroups/{{name}})."));
        failures.AddRange(options.AllowedResourceIds.Where(r => !ResourceIds.TryParse(r.Trim(), out _))
            .Select(r => $"{ScopeOptions.SectionName}:{nameof(ScopeOptions.AllowedResourceIds)} entry '{r}' is not an App Service app, slot or plan id."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex(@"^/subscriptions/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/resourceGroups/[\p{L}\p{Nd}_\-.()]{0,89}[\p{L}\p{Nd}_\-()]\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ResourceGroupId();
}

/// <summary>Decides whether a target is in the configured scope. Pure; compares canonical forms only.</summary>
public sealed class ScopeGuard
{
    private readonly HashSet<string> _subscriptions;
    private readonly HashSet<string> _resourceGroups;
    private readonly HashSet<string> _resources;

    /// <summary>Creates the guard.</summary>
    public ScopeGuard(IOptions<ScopeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _subscriptions = new HashSet<string>(o.AllowedSubscriptions.Select(s => s.Trim().ToLowerInvariant()), StringComparer.Ordinal);
        _resourceGroups = new HashSet<string>(o.AllowedResourceGroups.Select(ResourceIds.Normalize), StringComparer.Ordinal);
        _resources = new HashSet<string>(o.AllowedResourceIds.Select(r => ResourceIds.Canonicalize(r.Trim())).OfType<string>(), StringComparer.Ordinal);
    }

    /// <summary>True when no scope is configured: every App Service resource the identity can reach is in scope.</summary>
    public bool IsUnrestricted => _subscriptions.Count == 0 && _resourceGroups.Count == 0 && _resources.Count == 0;

    /// <summary>Null when in scope; otherwise why not.</summary>
    public string? OutOfScopeReason(AppServiceResourceId target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (IsUnrestricted)
        {
            return null;
        }

        // A site's entry covers its slots; a slot's entry covers only itself.
        var inScope = _subscriptions.Contains(target.SubscriptionId)
            || _resourceGroups.Contains(target.ResourceGroupScope.ToLowerInvariant())
            || _resources.Contains(target.Canonical)
            || (target.Kind == TargetKind.Slot && _resources.Contains(target.SiteCanonical));
        return inScope ? null : $"{target.DisplayName} is outside the configured scope ({ScopeOptions.SectionName}:{nameof(ScopeOptions.AllowedSubscriptions)} / {nameof(ScopeOptions.AllowedResourceGroups)} / {nameof(ScopeOptions.AllowedResourceIds)}).";
    }
}
