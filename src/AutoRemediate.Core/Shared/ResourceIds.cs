using System.Text;
using System.Text.RegularExpressions;

namespace AutoRemediate.Shared;

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

/// <summary>
/// An App Service app, slot or plan id that passed the exact grammar of <see cref="ResourceIds.TryParse(string?, out AppServiceResourceId?)"/>.
/// Only its <see cref="Canonical"/> form is ever used: for scope checks, incident and instance ids,
/// the action journal and ARM URLs (<see cref="EscapedPath"/>), so two spellings of one app are one app.
/// </summary>
/// <param name="Kind">Site, slot or plan.</param>
/// <param name="SubscriptionId">The subscription GUID, lower case.</param>
/// <param name="ResourceGroup">The resource group, lower case.</param>
/// <param name="Name">The site or plan name, lower case.</param>
/// <param name="Slot">The slot name, lower case, for a slot.</param>
public sealed record AppServiceResourceId(TargetKind Kind, string SubscriptionId, string ResourceGroup, string Name, string? Slot)
{
    /// <summary>
    /// The one form used everywhere: ARM's spelling of the fixed segments, the names lower-cased
    /// (Azure compares resource names case-insensitively).
    /// </summary>
    public string Canonical => Build(static s => s);

    /// <summary>The canonical path with every variable segment escaped, for building request URLs.</summary>
    public string EscapedPath => Build(Uri.EscapeDataString);

    /// <summary>The subscription scope, <c>/subscriptions/{guid}</c>.</summary>
    public string SubscriptionScope => "/subscriptions/" + SubscriptionId;

    /// <summary>The resource group scope, <c>/subscriptions/{guid}/resourceGroups/{rg}</c>, canonical.</summary>
    public string ResourceGroupScope => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}";

    /// <summary>For a slot, the canonical id of its app; otherwise the id itself.</summary>
    public string SiteCanonical => Kind == TargetKind.Slot ? (this with { Kind = TargetKind.Site, Slot = null }).Canonical : Canonical;

    /// <summary>The short display name: <c>site</c>, <c>site/slot</c> or the plan name.</summary>
    public string DisplayName => Slot is null ? Name : $"{Name}/{Slot}";

    /// <inheritdoc />
    public override string ToString() => Canonical;

    private string Build(Func<string, string> escape)
    {
        var builder = new StringBuilder("/subscriptions/").Append(escape(SubscriptionId))
            .Append("/resourceGroups/").Append(escape(ResourceGroup))
            .Append(Kind == TargetKind.Plan ? "/providers/Microsoft.Web/serverfarms/" : "/providers/Microsoft.Web/sites/")
            .Append(escape(Name));
        if (Kind == TargetKind.Slot)
        {
            builder.Append("/slots/").Append(escape(Slot!));
        }

        return builder.ToString();
    }
}

/// <summary>
/// The trust boundary for resource ids. Alerts, events and ARM answers are untrusted: an id is
/// accepted only when it matches, whole, the grammar of an App Service app, slot or plan, and is then
/// rebuilt from its parts. Nothing else (dot segments, percent-encoding, '?', '#', doubled or trailing
/// slashes, other providers, nested child resources) is ever fetched: pasted into an ARM URL, a
/// <c>../</c> would collapse and point the pipeline at another app.
/// </summary>
public static partial class ResourceIds
{
    /// <summary>The resource type of an App Service app.</summary>
    public const string SitesType = "Microsoft.Web/sites";

    /// <summary>The longest id text looked at; longer is refused before any matching.</summary>
    public const int MaxLength = 512;

    /// <summary>Parses an App Service app, slot or plan id in the exact grammar; false (never an exception) otherwise.</summary>
    public static bool TryParse(string? value, out AppServiceResourceId? id) => TryParse(value, out id, out _);

    /// <summary>As <see cref="TryParse(string?, out AppServiceResourceId?)"/>, with the reason when it is refused.</summary>
    public static bool TryParse(string? value, out AppServiceResourceId? id, out string? reason)
    {
        id = null;
        if (string.IsNullOrEmpty(value))
        {
            reason = "No resource id.";
            return false;
        }

        if (value.Length > MaxLength)
        {
            reason = $"The resource id is longer than {MaxLength} characters.";
            return false;
        }

        var match = Grammar().Match(value);
        if (!match.Success)
        {
            reason = OtherResourceType(value) is { } other
                ? $"Target type '{other}' is not an App Service app, slot or plan; nothing to remediate."
                : "Not an App Service app, slot or plan id in the exact form /subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.Web/sites/{app}[/slots/{slot}] or .../Microsoft.Web/serverfarms/{plan}; it is never fetched.";
            return false;
        }

        var type = match.Groups["type"].Value;
        var slot = match.Groups["slot"].Success ? match.Groups["slot"].Value : null;
        var kind = type.Equals("serverfarms", StringComparison.OrdinalIgnoreCase) ? TargetKind.Plan : slot is null ? TargetKind.Site : TargetKind.Slot;
        var name = match.Groups["name"].Value;
        if (kind != TargetKind.Plan && !SiteName().IsMatch(name))
        {
            reason = "An App Service app name is 2 to 60 letters, digits or hyphens, not starting or ending with a hyphen.";
            return false;
        }

        id = new AppServiceResourceId(kind, match.Groups["sub"].Value.ToLowerInvariant(), match.Groups["rg"].Value.ToLowerInvariant(),
            name.ToLowerInvariant(), slot?.ToLowerInvariant());
        reason = null;
        return true;
    }

    /// <summary>The canonical form of an App Service id, or null when it does not parse.</summary>
    public static string? Canonicalize(string? value) => TryParse(value, out var id) ? id!.Canonical : null;

    /// <summary>The App Service kind of the resource, or null when it is not one we remediate.</summary>
    public static TargetKind? KindOf(string? value) => TryParse(value, out var id) ? id!.Kind : null;

    /// <summary>
    /// The form used for keys and hashing of an id that is already canonical (or a scope prefix):
    /// trimmed and lower-cased. Use <see cref="TryParse(string?, out AppServiceResourceId?)"/> for untrusted text.
    /// </summary>
    public static string Normalize(string resourceId)
    {
        ArgumentNullException.ThrowIfNull(resourceId);
        return resourceId.Trim().TrimEnd('/').ToLowerInvariant();
    }

    // A well-formed id of some other provider (a VM, a storage account) is simply not ours; say so
    // plainly, naming its type. Anchored with \z, not $: $ also matches before a final newline.
    private static string? OtherResourceType(string value)
    {
        var match = OtherResource().Match(value);
        if (!match.Success || value.Contains("/Microsoft.Web/", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return match.Groups["provider"].Success
            ? match.Groups["provider"].Value + "/" + string.Join('/', match.Groups["type"].Captures.Select(c => c.Value))
            : match.Groups["rg"].Success ? "resource group" : "subscription";
    }

    // Subscription: a GUID. Resource group: 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending
    // in '.'. App, slot and plan names: letters, digits and hyphens (Azure's naming rules; letters may
    // be Unicode, which ARM maps to Punycode). Fixed segments are matched case-insensitively.
    [GeneratedRegex(
        @"^/subscriptions/(?<sub>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})" +
        @"/resourceGroups/(?<rg>[\p{L}\p{Nd}_\-.()]{0,89}[\p{L}\p{Nd}_\-()])" +
        @"/providers/Microsoft\.Web/(?:(?<type>sites)/(?<name>[\p{L}\p{Nd}\-]{2,60})(?:/slots/(?<slot>[\p{L}\p{Nd}](?:[\p{L}\p{Nd}\-]{0,57}[\p{L}\p{Nd}])?))?" +
        @"|(?<type>serverfarms)/(?<name>[\p{L}\p{Nd}\-]{1,60}))\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Grammar();

    [GeneratedRegex(@"^[\p{L}\p{Nd}](?:[\p{L}\p{Nd}\-]*[\p{L}\p{Nd}])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex SiteName();

    [GeneratedRegex(@"^/subscriptions/[0-9a-fA-F-]{36}(?<rg>/resourceGroups/[^/?#%]+)?(?:/providers/(?<provider>[A-Za-z0-9.]+)(?:/(?<type>[A-Za-z0-9]+)/[^/?#%]+)+)?\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OtherResource();
}
