using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Approvals;

/// <summary>
/// Who may decide through <c>POST /api/incidents/{id}/decision</c>. With <see cref="TenantId"/> and
/// <see cref="Audience"/> set, a decision needs a Microsoft Entra ID <em>user</em> token for our app
/// registration carrying the app role <see cref="RequiredRole"/>, and is recorded as that user; the
/// function key alone is not enough. Without them, only a host that names an unverified operator
/// (<see cref="UnverifiedOperator"/>: the DevHost's "local operator (unverified)") takes API decisions;
/// the Function App then refuses them, and approvers decide from the approval mail's link.
/// </summary>
public sealed class DecisionAuthOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "DecisionAuth";

    /// <summary>The app role a decision token must carry, unless configured otherwise.</summary>
    public const string DefaultRole = "Remediation.Approver";

    /// <summary>The Entra tenant of our app registration.</summary>
    public string? TenantId { get; set; }

    /// <summary>Our app registration's application id URI or client id: the token's audience.</summary>
    public string? Audience { get; set; }

    /// <summary>The app role the user must hold (assigned to users or groups on the app registration's enterprise app).</summary>
    public string RequiredRole { get; set; } = DefaultRole;

    /// <summary>The Entra authority host.</summary>
    public Uri Instance { get; set; } = new("https://login.microsoftonline.com/");

    /// <summary>
    /// Without Entra: the name API decisions are recorded under, saying that nobody verified it. Null (the
    /// Function App's default): API decisions are refused until Entra is configured.
    /// </summary>
    public string? UnverifiedOperator { get; set; }

    /// <summary>True when decision tokens are required.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(Audience);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasTenant = !string.IsNullOrWhiteSpace(TenantId);
        var hasAudience = !string.IsNullOrWhiteSpace(Audience);
        if (hasTenant != hasAudience)
        {
            var (set, missing) = hasTenant ? (nameof(TenantId), nameof(Audience)) : (nameof(Audience), nameof(TenantId));
            yield return new ValidationResult(
                $"{SectionName}:{set} is set but {SectionName}:{missing} is not; set both to require an Entra ID user token on decisions, or neither.", [missing]);
        }

        if (string.IsNullOrWhiteSpace(RequiredRole) || RequiredRole.Length > 120 || RequiredRole.Any(char.IsWhiteSpace))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(RequiredRole)} must be an app role value (no spaces, at most 120 characters).", [nameof(RequiredRole)]);
        }

        if (UnverifiedOperator is { } name && (name.Length is 0 or > 100 || name.Any(char.IsControl)))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(UnverifiedOperator)} must be 1-100 printable characters.", [nameof(UnverifiedOperator)]);
        }

        if (!Instance.IsAbsoluteUri || Instance.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Instance)} ({Instance}) must be an absolute https URL.", [nameof(Instance)]);
        }
    }
}
