using System.ComponentModel.DataAnnotations;
using AutoRemediate.Shared;
using MimeKit;

namespace AutoRemediate.Notify;

/// <summary>
/// Who is asked to approve (section <c>Approvers</c>): <c>Approvers:ByApp:{app}:N</c> for one app, else
/// <c>Approvers:ByResourceGroup:{rg}:N</c> for its resource group, else <c>Approvers:Default:N</c>
/// (environment variables: <c>Approvers__Default__0</c> and so on). Names match case-insensitively.
/// </summary>
public sealed class ApproverOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Approvers";

    /// <summary>The most addresses one list may hold: a mail per address and per request.</summary>
    public const int MaxPerList = 20;

    /// <summary>Approvers for apps without a list of their own or their resource group's.</summary>
    public List<string> Default { get; set; } = [];

    /// <summary>Approvers per resource group name.</summary>
    public Dictionary<string, List<string>> ByResourceGroup { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Approvers per app name.</summary>
    public Dictionary<string, List<string>> ByApp { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The approvers of the app <paramref name="siteResourceId"/>: its own list beats its resource group's, which beats the default.</summary>
    public IReadOnlyList<string> For(string siteResourceId)
    {
        var (group, app) = Parts(siteResourceId);
        var list = Find(ByApp, app) ?? Find(ByResourceGroup, group) ?? Default;
        return [.. list.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxPerList)];
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var lists = new[] { ("Default", (IReadOnlyList<string>)Default) }
            .Concat(ByResourceGroup.Select(kv => ($"ByResourceGroup:{kv.Key}", (IReadOnlyList<string>)kv.Value)))
            .Concat(ByApp.Select(kv => ($"ByApp:{kv.Key}", (IReadOnlyList<string>)kv.Value)));
        foreach (var (name, list) in lists)
        {
            if (list.Count > MaxPerList)
            {
                yield return new ValidationResult($"{SectionName}:{name} lists {list.Count} approvers; at most {MaxPerList} are allowed.", [name]);
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (!IsAddress(list[i]))
                {
                    yield return new ValidationResult($"{SectionName}:{name}:{i} is not one email address.", [name]);
                }
            }
        }
    }

    /// <summary>True when <paramref name="value"/> is exactly one plain address (user@domain).</summary>
    public static bool IsAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= 254 &&
        MailboxAddress.TryParse(value.Trim(), out var parsed) && parsed.Address.Contains('@', StringComparison.Ordinal) &&
        string.Equals(parsed.Address, value.Trim(), StringComparison.OrdinalIgnoreCase);

    private static List<string>? Find(Dictionary<string, List<string>> map, string? key) =>
        key is not null && map.TryGetValue(key, out var list) && list.Count > 0 ? list : null;

    private static (string? Group, string? App) Parts(string siteResourceId) =>
        ResourceIds.TryParse(siteResourceId, out var id) ? (id!.ResourceGroup, id.Name) : (null, null);
}
