using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Http;

/// <summary>
/// Validates the Entra ID bearer token of a secure webhook delivery when <see cref="WebhookAuthOptions"/>
/// turns it on: signature (the tenant's published keys), issuer (v1 or v2), audience, lifetime, the
/// calling application and, if configured, an app role. Anything missing or wrong is a 401.
/// </summary>
public sealed class WebhookAuthenticator
{
    private readonly WebhookAuthOptions _options;
    private readonly BaseConfigurationManager? _metadata;
    private readonly ILogger<WebhookAuthenticator> _logger;

    /// <summary>Creates the authenticator; <paramref name="metadata"/> supplies the tenant's signing keys.</summary>
    public WebhookAuthenticator(IOptions<WebhookAuthOptions> options, BaseConfigurationManager? metadata, ILogger<WebhookAuthenticator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metadata = metadata;
        _logger = logger;
    }

    /// <summary>The OpenID metadata address of the configured tenant.</summary>
    public static string MetadataAddress(WebhookAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return EntraTokens.MetadataAddress(options.Instance, options.TenantId);
    }

    /// <summary>Null when the request may proceed; otherwise the 401 to answer with.</summary>
    public async Task<IResult?> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.Enabled)
        {
            return null;
        }

        if (EntraTokens.Bearer(request.Headers.Authorization.ToString()) is not { } token)
        {
            return Deny(request, "A Microsoft Entra ID bearer token is required (secure webhook).");
        }

        var (identity, failure) = await EntraTokens.ValidateAsync(token, _options.TenantId!, _options.Audience!, _options.Instance, _metadata).ConfigureAwait(false);
        if (identity is null)
        {
            return Deny(request, $"The bearer token is not valid ({failure}).");
        }

        var caller = identity.FindFirst("appid")?.Value ?? identity.FindFirst("azp")?.Value;
        if (caller is null || !_options.EffectiveCallers.Contains(caller, StringComparer.OrdinalIgnoreCase))
        {
            return Deny(request, "The token was not issued to an allowed caller (Azure Monitor action groups or Event Grid).");
        }

        if (!string.IsNullOrWhiteSpace(_options.RequiredRole) && !EntraTokens.HasRole(identity, _options.RequiredRole))
        {
            return Deny(request, $"The token lacks the app role '{_options.RequiredRole}'.");
        }

        return null;
    }

    private IResult Deny(HttpRequest request, string reason)
    {
        Log.Unauthorized(_logger, request.Path, reason);
        request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized.", reason);
    }
}
