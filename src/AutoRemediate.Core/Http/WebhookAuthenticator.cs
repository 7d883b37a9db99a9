using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
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
    private readonly JsonWebTokenHandler _handler = new();

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
        return new Uri(options.Instance, $"{options.TenantId}/v2.0/.well-known/openid-configuration").ToString();
    }

    /// <summary>Null when the request may proceed; otherwise the 401 to answer with.</summary>
    public async Task<IResult?> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.Enabled)
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            return Deny(request, "A Microsoft Entra ID bearer token is required (secure webhook).");
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = [$"https://sts.windows.net/{_options.TenantId}/", new Uri(_options.Instance, $"{_options.TenantId}/v2.0").ToString()],
            ValidAudiences = [_options.Audience!, $"api://{_options.Audience}"],
            ConfigurationManager = _metadata,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
        };
        var result = await _handler.ValidateTokenAsync(header["Bearer ".Length..].Trim(), parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            // The exception type says what failed (expired, wrong audience, bad signature) without
            // echoing the token.
            return Deny(request, $"The bearer token is not valid ({result.Exception?.GetType().Name ?? "invalid"}).");
        }

        var identity = result.ClaimsIdentity;
        var caller = identity.FindFirst("appid")?.Value ?? identity.FindFirst("azp")?.Value;
        if (caller is null || !_options.EffectiveCallers.Contains(caller, StringComparer.OrdinalIgnoreCase))
        {
            return Deny(request, "The token was not issued to an allowed caller (Azure Monitor action groups or Event Grid).");
        }

        if (!string.IsNullOrWhiteSpace(_options.RequiredRole)
            && !identity.FindAll("roles").Concat(identity.FindAll(ClaimTypes.Role)).Any(r => r.Value == _options.RequiredRole))
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
