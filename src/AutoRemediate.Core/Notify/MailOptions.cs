using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace AutoRemediate.Notify;

/// <summary>How the connection to the SMTP server is secured.</summary>
public enum MailTls
{
    /// <summary>Plain SMTP (MailDev, a relay on a private network).</summary>
    None,

    /// <summary>Plain connect, then STARTTLS (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}

/// <summary>Which service approval mail goes through.</summary>
public enum MailProvider
{
    /// <summary>An SMTP server or relay (MailKit); the password comes from settings.</summary>
    Smtp,

    /// <summary>
    /// Azure Communication Services Email over its REST API, authenticated with the pipeline's Azure
    /// credential (the Function App's managed identity): no password to keep.
    /// </summary>
    AcsEmail,
}

/// <summary>
/// How approval mail goes out (section <c>Mail</c>): an SMTP server (<see cref="MailProvider.Smtp"/>,
/// the default) or Azure Communication Services Email (<see cref="MailProvider.AcsEmail"/>, what
/// <c>azd up</c> deploys). Unset <see cref="Host"/> (SMTP) or <see cref="AcsEndpoint"/> (ACS) means no
/// mail at all (the timeline says nobody was mailed); a half-filled section stops the host at start.
/// The SMTP password comes from settings, which in Azure may be a Key Vault reference app setting.
/// </summary>
public sealed class MailOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Mail";

    /// <summary>
    /// The GA api-version of the ACS Email data plane (<c>emails:send</c>, <c>emails/operations</c>):
    /// Azure/azure-rest-api-specs specification/communication/data-plane/Email/stable/2025-09-01.
    /// </summary>
    public const string DefaultAcsApiVersion = "2025-09-01";

    /// <summary>Which service sends the mail.</summary>
    public MailProvider Provider { get; set; } = MailProvider.Smtp;

    /// <summary>
    /// The Communication Services resource's endpoint (<c>https://&lt;name&gt;.&lt;geo&gt;.communication.azure.com</c>),
    /// with <see cref="MailProvider.AcsEmail"/>; empty means mail is not configured. Locally, the Sandbox.
    /// </summary>
    public Uri? AcsEndpoint { get; set; }

    /// <summary>The ACS Email api-version.</summary>
    [RegularExpression("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$")]
    public string AcsApiVersion { get; set; } = DefaultAcsApiVersion;

    /// <summary>
    /// How long one ACS mail may take, from the send to its operation's end (<c>Succeeded</c>), waits
    /// asked for by <c>Retry-After</c> included; past it the send fails and the durable mail retry takes over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AcsSendTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long to wait between polls of an ACS send operation when the service names no <c>Retry-After</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan AcsPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The SMTP server's host name; empty means mail is not configured (with <see cref="MailProvider.Smtp"/>).</summary>
    public string? Host { get; set; }

    /// <summary>The SMTP port; 0 takes the usual one for <see cref="UseTls"/> (25, 587, 465).</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>How the connection is secured.</summary>
    public MailTls UseTls { get; set; } = MailTls.StartTls;

    /// <summary>The SMTP user, when the server wants one.</summary>
    public string? UserName { get; set; }

    /// <summary>The SMTP password (a secret: never logged; a Key Vault reference in Azure).</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The sender address. With <see cref="MailProvider.AcsEmail"/> a bare address of a domain linked to
    /// the Communication Services resource (for an Azure-managed domain <c>DoNotReply@&lt;guid&gt;.azurecomm.net</c>).
    /// </summary>
    public string? From { get; set; }

    /// <summary>The host's public address that approval links are built on (for example https://app.azurewebsites.net).</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>How long one connect, authenticate or send may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when mail goes out.</summary>
    public bool IsConfigured => Provider == MailProvider.AcsEmail ? AcsEndpoint is not null : !string.IsNullOrWhiteSpace(Host);

    /// <summary>The setting whose absence means "no mail", for messages.</summary>
    public string ConfiguredBy => $"{SectionName}:{(Provider == MailProvider.AcsEmail ? nameof(AcsEndpoint) : nameof(Host))}";

    /// <summary>The port in use.</summary>
    public int EffectivePort => Port != 0 ? Port : UseTls switch { MailTls.SslOnConnect => 465, MailTls.StartTls => 587, _ => 25 };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Provider == MailProvider.AcsEmail ? ValidateAcs() : ValidateSmtp();

    private IEnumerable<ValidationResult> ValidateAcs()
    {
        if (!IsConfigured)
        {
            if (!string.IsNullOrEmpty(From))
            {
                yield return new ValidationResult($"{SectionName} is half configured: {SectionName}:{nameof(Provider)} is {nameof(MailProvider.AcsEmail)} and {SectionName}:{nameof(From)} is set but {SectionName}:{nameof(AcsEndpoint)} is empty. Set {SectionName}:{nameof(AcsEndpoint)} (the Communication Services endpoint) or remove the {SectionName} section.", [nameof(AcsEndpoint)]);
            }

            yield break;
        }

        if (AcsEndpoint is not { IsAbsoluteUri: true } endpoint || endpoint.Scheme != Uri.UriSchemeHttps || endpoint.AbsolutePath != "/" || !string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.UserInfo))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AcsEndpoint)} must be the Communication Services resource's https endpoint with no path (for example https://name.unitedstates.communication.azure.com): bearer tokens are never sent over plain HTTP.", [nameof(AcsEndpoint)]);
        }

        // ACS takes a bare address as senderAddress; the display name belongs to the domain's sender settings.
        if (string.IsNullOrWhiteSpace(From) || !MailboxAddress.TryParse(From, out var sender) || !string.IsNullOrEmpty(sender.Name) || sender.Address != From.Trim() || sender.Domain.Length == 0 || sender.LocalPart.Length == 0)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(From)} must be a bare sender address of a domain linked to the Communication Services resource (for an Azure-managed domain DoNotReply@<guid>.azurecomm.net) when {SectionName}:{nameof(Provider)} is {nameof(MailProvider.AcsEmail)}.", [nameof(From)]);
        }

        if (!string.IsNullOrEmpty(Host) || !string.IsNullOrEmpty(UserName) || !string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Host)}, {nameof(UserName)} and {nameof(Password)} are SMTP settings and are not used with {SectionName}:{nameof(Provider)} {nameof(MailProvider.AcsEmail)}; remove them (ACS Email signs in with the Azure credential) or set {SectionName}:{nameof(Provider)} to {nameof(MailProvider.Smtp)}.", [nameof(Host)]);
        }

        foreach (var result in ValidateBaseUrl())
        {
            yield return result;
        }
    }

    private IEnumerable<ValidationResult> ValidateBaseUrl()
    {
        if (PublicBaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(url.Query))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(PublicBaseUrl)} must be the host's absolute http(s) address (approval links are built on it) when {ConfiguredBy} is set.", [nameof(PublicBaseUrl)]);
        }
    }

    private IEnumerable<ValidationResult> ValidateSmtp()
    {
        if (!IsConfigured)
        {
            if (!string.IsNullOrEmpty(From) || !string.IsNullOrEmpty(UserName) || !string.IsNullOrEmpty(Password) || Port != 0)
            {
                yield return new ValidationResult($"{SectionName} is half configured: {SectionName}:{nameof(Host)} is empty but other {SectionName} settings are set. Set {SectionName}:{nameof(Host)} (the SMTP server) or remove the {SectionName} section.", [nameof(Host)]);
            }

            yield break;
        }

        if (string.IsNullOrWhiteSpace(From) || !MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(From)} must be a valid sender address when {SectionName}:{nameof(Host)} is set.", [nameof(From)]);
        }

        foreach (var result in ValidateBaseUrl())
        {
            yield return result;
        }

        if (AcsEndpoint is not null)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AcsEndpoint)} is set but {SectionName}:{nameof(Provider)} is {nameof(MailProvider.Smtp)}: set {SectionName}:{nameof(Provider)} to {nameof(MailProvider.AcsEmail)} or remove {SectionName}:{nameof(AcsEndpoint)}.", [nameof(AcsEndpoint)]);
        }

        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(UserName)} and {SectionName}:{nameof(Password)} go together: set both or neither.", [nameof(UserName), nameof(Password)]);
        }
    }
}
