using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Azure;

/// <summary>How the pipeline obtains tokens for Azure Resource Manager and Kudu.</summary>
public enum CredentialMode
{
    /// <summary><c>DefaultAzureCredential</c>: environment, workload identity, managed identity, Azure CLI, ...</summary>
    Default,

    /// <summary>The Function App's managed identity (user-assigned when a client id is set).</summary>
    ManagedIdentity,

    /// <summary>
    /// A fixed token for the local Sandbox. Accepted only when every endpoint is a loopback address,
    /// so it can never send anything to Azure.
    /// </summary>
    Sandbox,
}

/// <summary>Azure endpoints, API versions and credentials.</summary>
public sealed class AzureOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Azure";

    /// <summary>Azure Resource Manager. Locally, the Sandbox.</summary>
    [Required]
    public Uri ResourceManagerEndpoint { get; set; } = new("https://management.azure.com");

    /// <summary>The Microsoft.Web api-version for site, instance and process calls.</summary>
    [Required, RegularExpression("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$")]
    public string WebApiVersion { get; set; } = "2025-05-01";

    /// <summary>The Azure Monitor metrics and autoscale api-versions.</summary>
    [Required]
    public string MetricsApiVersion { get; set; } = "2023-10-01";

    /// <summary>The autoscale settings api-version.</summary>
    [Required]
    public string AutoscaleApiVersion { get; set; } = "2022-10-01";

    /// <summary>The Resource Health api-version.</summary>
    [Required]
    public string ResourceHealthApiVersion { get; set; } = "2025-05-01";

    /// <summary>How long to follow a long-running ARM operation (202 + Azure-AsyncOperation / Location) before giving up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LongRunningOperationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The SCM (Kudu) site of an app; <c>{site}</c> is replaced by the app name (<c>{site}-{slot}</c> for a slot).
    /// Locally the Sandbox serves every app's SCM site under <c>/scm/{site}</c>.
    /// </summary>
    [Required]
    public string ScmEndpointTemplate { get; set; } = "https://{site}.scm.azurewebsites.net";

    /// <summary>Token scope for Kudu: the App Service audience (ARM-audience tokens on SCM are being retired).</summary>
    [Required]
    public string KuduTokenScope { get; set; } = "https://appservice.azure.com/.default";

    /// <summary>
    /// Kudu basic-auth (publishing credentials) user. Used only when set together with the password;
    /// otherwise Kudu gets a Microsoft Entra ID bearer token. Many tenants disable basic auth by policy.
    /// </summary>
    public string? KuduBasicAuthUser { get; set; }

    /// <summary>Kudu basic-auth password (a secret: Key Vault reference in Azure, never in the repo).</summary>
    public string? KuduBasicAuthPassword { get; set; }

    /// <summary>Which credential to use.</summary>
    public CredentialMode Credential { get; set; } = CredentialMode.Default;

    /// <summary>Client id of a user-assigned managed identity, when that is the identity to use.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// SHA-256 thumbprint (hex) of the Sandbox's self-signed certificate. Trusted only for loopback
    /// hosts; never used for any Azure endpoint.
    /// </summary>
    public string? SandboxCertificateThumbprint { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ResourceManagerEndpoint is { IsAbsoluteUri: true } endpoint && endpoint.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult(
                "Azure:ResourceManagerEndpoint must be https: bearer tokens are never sent over plain HTTP.",
                [nameof(ResourceManagerEndpoint)]);
        }

        if (!ScmEndpointTemplate.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || !ScmEndpointTemplate.Contains("{site}", StringComparison.Ordinal))
        {
            yield return new ValidationResult(
                "Azure:ScmEndpointTemplate must be an https URL containing {site}.", [nameof(ScmEndpointTemplate)]);
        }

        if (string.IsNullOrEmpty(KuduBasicAuthUser) != string.IsNullOrEmpty(KuduBasicAuthPassword))
        {
            yield return new ValidationResult(
                "Set both Azure:KuduBasicAuthUser and Azure:KuduBasicAuthPassword, or neither.", [nameof(KuduBasicAuthUser)]);
        }

        if (Credential == CredentialMode.Sandbox && !ResourceManagerEndpoint.IsLoopback)
        {
            yield return new ValidationResult(
                "Azure:Credential 'Sandbox' is only allowed when Azure:ResourceManagerEndpoint is a loopback address (the local Sandbox).",
                [nameof(Credential)]);
        }
    }
}
