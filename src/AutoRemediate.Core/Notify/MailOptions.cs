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

/// <summary>
/// The SMTP server approval mail goes through (section <c>Mail</c>). Unset <see cref="Host"/> means no
/// mail at all (the timeline says nobody was mailed); a half-filled section stops the host at start.
/// The password comes from settings, which in Azure may be a Key Vault reference app setting.
/// </summary>
public sealed class MailOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Mail";

    /// <summary>The SMTP server's host name; empty means mail is not configured.</summary>
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

    /// <summary>The sender address.</summary>
    public string? From { get; set; }

    /// <summary>The host's public address that approval links are built on (for example https://app.azurewebsites.net).</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>How long one connect, authenticate or send may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when mail goes out.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    /// <summary>The port in use.</summary>
    public int EffectivePort => Port != 0 ? Port : UseTls switch { MailTls.SslOnConnect => 465, MailTls.StartTls => 587, _ => 25 };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
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

        if (PublicBaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(url.Query))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(PublicBaseUrl)} must be the host's absolute http(s) address (approval links are built on it) when {SectionName}:{nameof(Host)} is set.", [nameof(PublicBaseUrl)]);
        }

        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(UserName)} and {SectionName}:{nameof(Password)} go together: set both or neither.", [nameof(UserName), nameof(Password)]);
        }
    }
}
