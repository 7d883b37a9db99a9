using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Http;

/// <summary>
/// Optional Microsoft Entra ID protection of the alert and event webhooks: Azure Monitor's "secure
/// webhook" and Event Grid's Entra-protected delivery both send a bearer token for our app
/// registration. Off unless <see cref="TenantId"/> and <see cref="Audience"/> are set; function keys
/// apply either way. Half a configuration (one of the two, or callers or a role without them) stops the
/// host at start: it would otherwise leave the webhooks open while the operator believes them protected.
/// </summary>
public sealed class WebhookAuthOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "WebhookAuth";

    /// <summary>Azure Monitor's first-party "AzNS AAD Webhook" application.</summary>
    public const string ActionGroupsAppId = "461e8683-5575-4561-ac7f-899cc907d62a";

    /// <summary>Event Grid's first-party application ("Microsoft.EventGrid").</summary>
    public const string EventGridAppId = "4962773b-9cdb-44cf-a8bf-237846a00ab7";

    /// <summary>The Entra tenant of our app registration.</summary>
    public string? TenantId { get; set; }

    /// <summary>Our app registration's application id URI or client id: the token's audience.</summary>
    public string? Audience { get; set; }

    /// <summary>Callers (appid / azp claim) allowed to deliver. When set, they replace the defaults (Azure Monitor and Event Grid).</summary>
    public IList<string> AllowedCallerAppIds { get; } = [];

    /// <summary>An app role the token must carry (Microsoft's set-up script creates <c>ActionGroupsSecureWebhook</c>); empty to not require one.</summary>
    public string? RequiredRole { get; set; }

    /// <summary>The Entra authority host.</summary>
    public Uri Instance { get; set; } = new("https://login.microsoftonline.com/");

    /// <summary>True when bearer tokens are required.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(Audience);

    /// <summary>The callers, with the two Azure services as the default when none are configured.</summary>
    public IReadOnlyList<string> EffectiveCallers => AllowedCallerAppIds.Count > 0 ? [.. AllowedCallerAppIds] : [ActionGroupsAppId, EventGridAppId];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasTenant = !string.IsNullOrWhiteSpace(TenantId);
        var hasAudience = !string.IsNullOrWhiteSpace(Audience);
        if (hasTenant != hasAudience)
        {
            var (set, missing) = hasTenant ? (nameof(TenantId), nameof(Audience)) : (nameof(Audience), nameof(TenantId));
            yield return new ValidationResult(
                $"{SectionName}:{set} is set but {SectionName}:{missing} is not; set both to require an Entra ID token on the webhooks, or neither.",
                [missing]);
        }
        else if (!hasTenant && (AllowedCallerAppIds.Count > 0 || !string.IsNullOrWhiteSpace(RequiredRole)))
        {
            var set = AllowedCallerAppIds.Count > 0 ? nameof(AllowedCallerAppIds) : nameof(RequiredRole);
            yield return new ValidationResult(
                $"{SectionName}:{set} is set but {SectionName}:{nameof(TenantId)} and {SectionName}:{nameof(Audience)} are not, so no token would be checked; set both, or remove {SectionName}:{set}.",
                [set]);
        }

        if (!Instance.IsAbsoluteUri || Instance.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Instance)} ({Instance}) must be an absolute https URL.", [nameof(Instance)]);
        }
    }
}
