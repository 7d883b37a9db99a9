using System.ComponentModel.DataAnnotations;

namespace AutoRemediate.Azure;

/// <summary>How the pipeline obtains tokens for Azure Resource Manager.</summary>
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

    /// <summary>
    /// The Microsoft.AlertsManagement api-version for reading one alert's state. 2019-03-01 is the stable
    /// version whose spec has Alerts_GetById; the route and <c>properties.essentials.monitorCondition</c>
    /// are the same in the later (preview) versions.
    /// </summary>
    [Required, RegularExpression("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$")]
    public string AlertsApiVersion { get; set; } = "2019-03-01";

    /// <summary>How long to follow a long-running ARM operation (202 + Azure-AsyncOperation / Location) before giving up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LongRunningOperationTimeout { get; set; } = TimeSpan.FromMinutes(10);

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
                $"{SectionName}:{nameof(ResourceManagerEndpoint)} must be https: bearer tokens are never sent over plain HTTP.",
                [nameof(ResourceManagerEndpoint)]);
        }

        if (Credential == CredentialMode.Sandbox && !ResourceManagerEndpoint.IsLoopback)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(Credential)} 'Sandbox' is only allowed when {SectionName}:{nameof(ResourceManagerEndpoint)} is a loopback address (the local Sandbox).",
                [nameof(Credential)]);
        }
    }
}
