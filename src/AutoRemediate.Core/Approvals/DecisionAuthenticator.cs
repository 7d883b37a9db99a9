using AutoRemediate.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Approvals;

/// <summary>Who made an API decision, as the decision is recorded.</summary>
/// <param name="Name">The user's sign-in name (or the host's unverified operator name).</param>
/// <param name="Verified">True when an Entra ID token proved it.</param>
public sealed record DecisionMaker(string Name, bool Verified);

/// <summary>
/// Establishes who sends a decision to the API (<see cref="DecisionAuthOptions"/>): a validated Entra ID user
/// token (delegated: a <c>scp</c> claim, not an app-only token) with the configured app role, recorded by its
/// sign-in name and object id. The request body's <c>approver</c> is never trusted. 401 without a valid token,
/// 403 for a token that is not a user's or lacks the role, or when the host takes no unverified decisions.
/// </summary>
public sealed class DecisionAuthenticator
{
    /// <summary>The DI key of the signing keys of the decision tenant.</summary>
    public const string MetadataKey = "DecisionAuth";

    private readonly DecisionAuthOptions _options;
    private readonly BaseConfigurationManager? _metadata;
    private readonly ILogger<DecisionAuthenticator> _logger;

    /// <summary>Creates the authenticator; <paramref name="metadata"/> supplies the tenant's signing keys.</summary>
    public DecisionAuthenticator(IOptions<DecisionAuthOptions> options, [FromKeyedServices(MetadataKey)] BaseConfigurationManager? metadata, ILogger<DecisionAuthenticator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metadata = metadata;
        _logger = logger;
    }

    /// <summary>Who decides, or the problem to answer with.</summary>
    public async Task<(DecisionMaker? Maker, IResult? Problem)> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.Enabled)
        {
            return _options.UnverifiedOperator is { } name
                ? (new DecisionMaker(name, Verified: false), null)
                : (null, Deny(request, StatusCodes.Status403Forbidden,
                    $"Decisions through the API need Microsoft Entra ID: set {DecisionAuthOptions.SectionName}__TenantId and {DecisionAuthOptions.SectionName}__Audience. Approvers decide from the link in the approval mail."));
        }

        if (EntraTokens.Bearer(request.Headers.Authorization.ToString()) is not { } token)
        {
            return (null, Deny(request, StatusCodes.Status401Unauthorized, "A Microsoft Entra ID user token is required to decide."));
        }

        var (identity, failure) = await EntraTokens.ValidateAsync(token, _options.TenantId!, _options.Audience!, _options.Instance, _metadata).ConfigureAwait(false);
        if (identity is null)
        {
            return (null, Deny(request, StatusCodes.Status401Unauthorized, $"The bearer token is not valid ({failure})."));
        }

        var objectId = identity.FindFirst("oid")?.Value;
        var isUser = identity.FindFirst("scp") is not null && !string.Equals(identity.FindFirst("idtyp")?.Value, "app", StringComparison.OrdinalIgnoreCase);
        var userName = identity.FindFirst("preferred_username")?.Value ?? identity.FindFirst("upn")?.Value ?? identity.FindFirst("unique_name")?.Value;
        if (!isUser || objectId is null || string.IsNullOrWhiteSpace(userName))
        {
            return (null, Deny(request, StatusCodes.Status403Forbidden, "The token is not a user's (an application cannot decide): sign in as the approver."));
        }

        if (!EntraTokens.HasRole(identity, _options.RequiredRole))
        {
            return (null, Deny(request, StatusCodes.Status403Forbidden, $"The user lacks the app role '{_options.RequiredRole}'."));
        }

        return (new DecisionMaker($"{Shared.InputText.Clean(userName, 200)} (Entra ID {Shared.InputText.Clean(objectId, 64)})", Verified: true), null);
    }

    private IResult Deny(HttpRequest request, int status, string reason)
    {
        Log.Unauthorized(_logger, request.Path, reason);
        if (status == StatusCodes.Status401Unauthorized)
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        }

        return Problems.Status(status, status == StatusCodes.Status401Unauthorized ? "Unauthorized." : "Forbidden.", reason);
    }
}
