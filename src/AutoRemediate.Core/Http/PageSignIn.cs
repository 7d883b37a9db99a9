using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Http;

/// <summary>
/// Who may open the incident pages on the Function App: people signed in with Microsoft Entra ID through OpenID
/// Connect inside the app (<see cref="PageSignIn"/>). In-app, not App Service Authentication: Easy Auth on Flex
/// Consumption is documented as unsupported (unauthenticated callers not blocked) in the plan's docs we have, and its
/// injected headers cannot be trusted where it is not enforcing; a sign-in the app checks itself holds on every plan.
/// </summary>
public sealed partial class PageAuthOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "PageAuth";

    /// <summary>The Entra tenant of the app registration people sign in to.</summary>
    public string? TenantId { get; set; }

    /// <summary>The app registration's client id: the ID token's audience. Its redirect URI is <c>https://{app}/api/ui/signin</c>, with ID tokens enabled.</summary>
    public string? ClientId { get; set; }

    /// <summary>App roles that may see incidents (any one of them); by default the viewer and the approver role.</summary>
    public IList<string> AllowedRoles { get; } = [];

    /// <summary>
    /// The key that signs the sign-in cookies: base64, at least 32 bytes, a secret (a Key Vault reference in Azure).
    /// Changing it signs everybody out.
    /// </summary>
    public string? CookieKey { get; set; }

    /// <summary>How long a sign-in lasts.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The Entra authority host.</summary>
    public Uri Instance { get; set; } = new("https://login.microsoftonline.com/");

    /// <summary>True when the pages are open to signed-in people.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>The roles in force.</summary>
    public IReadOnlyList<string> EffectiveRoles => AllowedRoles.Count > 0 ? [.. AllowedRoles] : ["Remediation.Viewer", "Remediation.Approver"];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var any = !string.IsNullOrWhiteSpace(TenantId) || !string.IsNullOrWhiteSpace(ClientId) || !string.IsNullOrWhiteSpace(CookieKey);
        if (!any)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(TenantId) || !Guid.TryParse(TenantId, out _))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(TenantId)} must be the tenant's GUID when the incident pages sign people in.", [nameof(TenantId)]);
        }

        if (string.IsNullOrWhiteSpace(ClientId) || !Guid.TryParse(ClientId, out _))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(ClientId)} must be the app registration's client id (a GUID).", [nameof(ClientId)]);
        }

        if (CookieKeyBytes() is not { Length: >= 32 })
        {
            yield return new ValidationResult($"{SectionName}:{nameof(CookieKey)} must be base64 of at least 32 random bytes (for example: openssl rand -base64 32).", [nameof(CookieKey)]);
        }

        if (AllowedRoles.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 120 || r.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AllowedRoles)} must list app role values (no spaces, at most 120 characters).", [nameof(AllowedRoles)]);
        }

        if (!Instance.IsAbsoluteUri || Instance.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Instance)} ({Instance}) must be an absolute https URL.", [nameof(Instance)]);
        }
    }

    /// <summary>The cookie key's bytes, or null when it is not base64.</summary>
    public byte[]? CookieKeyBytes()
    {
        if (string.IsNullOrWhiteSpace(CookieKey))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(CookieKey);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>A person signed in to the pages.</summary>
/// <param name="Name">Their sign-in name (preferred_username).</param>
/// <param name="ObjectId">Their Entra object id.</param>
public sealed record PageViewer(string Name, string ObjectId);

/// <summary>
/// OpenID Connect sign-in for the incident pages (<see cref="PageAuthOptions"/>): the authorization request asks for an
/// ID token posted back to <c>/api/ui/signin</c> (<c>response_mode=form_post</c>, so no client secret is needed), bound
/// to this browser by a state and a nonce kept in a short-lived signed cookie. The ID token is checked like every other
/// Entra token (<see cref="EntraTokens"/>: signature, issuer, audience = our client id, lifetime), then its nonce and an
/// allowed app role. The session is a signed, HttpOnly, Secure cookie limited to <c>/api/ui</c>: name, object id and
/// expiry, nothing else; tampering or expiry means signing in again.
/// </summary>
public sealed partial class PageSignIn
{
    /// <summary>The DI key of the sign-in tenant's signing keys.</summary>
    public const string MetadataKey = "PageAuth";

    /// <summary>Where the pages live, and the cookies' path.</summary>
    public const string PathBase = "/api/ui";

    /// <summary>The redirect URI path Entra posts the ID token to.</summary>
    public const string CallbackPath = PathBase + "/signin";

    /// <summary>The session cookie's name.</summary>
    public const string SessionCookie = "ar_session";

    /// <summary>The sign-in state cookie's name (state, nonce, where to return).</summary>
    public const string StateCookie = "ar_signin";

    private static readonly TimeSpan s_stateLifetime = TimeSpan.FromMinutes(10);
    private readonly PageAuthOptions _options;
    private readonly BaseConfigurationManager? _metadata;
    private readonly TimeProvider _time;
    private readonly ILogger<PageSignIn> _logger;

    /// <summary>Creates the sign-in.</summary>
    public PageSignIn(IOptions<PageAuthOptions> options, [FromKeyedServices(MetadataKey)] BaseConfigurationManager? metadata, TimeProvider time, ILogger<PageSignIn> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metadata = metadata;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when sign-in is configured.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>The signed-in person of the request, or null (no session, tampered, expired, or sign-in not configured).</summary>
    public PageViewer? Viewer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enabled || !request.Cookies.TryGetValue(SessionCookie, out var cookie) || Unprotect<SessionPayload>(cookie, "session") is not { } session)
        {
            return null;
        }

        return _time.GetUtcNow().ToUnixTimeSeconds() < session.Exp ? new PageViewer(session.Name, session.Oid) : null;
    }

    /// <summary>
    /// Sends the browser to Entra ID to sign in, to come back to <paramref name="returnPath"/> (a path under
    /// <see cref="PathBase"/>; anything else returns to the incident list).
    /// </summary>
    public IResult Challenge(HttpRequest request, string returnPath)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = Random(16);
        var nonce = Random(16);
        var payload = new StatePayload(state, nonce, LocalReturnPath(returnPath), _time.GetUtcNow().Add(s_stateLifetime).ToUnixTimeSeconds());
        // SameSite=None: Entra posts the ID token back from its own site, and the browser must send this cookie with it.
        request.HttpContext.Response.Cookies.Append(StateCookie, Protect(payload, "state"), new CookieOptions
        {
            HttpOnly = true, Secure = true, SameSite = SameSiteMode.None, Path = CallbackPath, MaxAge = s_stateLifetime, IsEssential = true,
        });
        var authorize = new Uri(_options.Instance, $"{_options.TenantId}/oauth2/v2.0/authorize").ToString();
        var url = QueryHelpers.AddQueryString(authorize, new Dictionary<string, string?>
        {
            ["client_id"] = _options.ClientId,
            ["response_type"] = "id_token",
            ["response_mode"] = "form_post",
            ["scope"] = "openid profile",
            ["redirect_uri"] = CallbackUri(request),
            ["state"] = state,
            ["nonce"] = nonce,
        });
        return Results.Redirect(url);
    }

    /// <summary>
    /// <c>POST /api/ui/signin</c>: checks what Entra posted back and starts the session, then returns the browser where it
    /// was going. Anything wrong: a readable page, no session.
    /// </summary>
    public async Task<IResult> CompleteAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enabled)
        {
            return Refused(StatusCodes.Status404NotFound, "Sign-in is not configured", "This app does not sign people in.");
        }

        if (!request.HasFormContentType || request.ContentLength is > 64 * 1024)
        {
            return Refused(StatusCodes.Status400BadRequest, "Sign-in failed", "The sign-in answer was not a form from Microsoft Entra ID. Open the incident list again to sign in.");
        }

        var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        if (form.TryGetValue("error", out var error))
        {
            Log.PageSignInRefused(_logger, "entra-error");
            return Refused(StatusCodes.Status401Unauthorized, "Sign-in failed", $"Microsoft Entra ID did not sign you in ({Clip(error.ToString())}).");
        }

        var state = !request.Cookies.TryGetValue(StateCookie, out var cookie) ? null : Unprotect<StatePayload>(cookie, "state");
        request.HttpContext.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = CallbackPath, Secure = true, SameSite = SameSiteMode.None });
        if (state is null || _time.GetUtcNow().ToUnixTimeSeconds() >= state.Exp || !FixedEquals(state.State, form["state"].ToString()))
        {
            // No sign-in of this browser is pending: a forged or replayed post, or one that took too long.
            Log.PageSignInRefused(_logger, "state");
            return Refused(StatusCodes.Status400BadRequest, "Sign-in failed", "This sign-in was not started here, or it took longer than 10 minutes. Open the incident list again to sign in.");
        }

        var token = form["id_token"].ToString();
        if (token.Length is 0 or > 16 * 1024)
        {
            Log.PageSignInRefused(_logger, "no-token");
            return Refused(StatusCodes.Status400BadRequest, "Sign-in failed", "Microsoft Entra ID sent no ID token.");
        }

        var (identity, failure) = await EntraTokens.ValidateAsync(token, _options.TenantId!, _options.ClientId!, _options.Instance, _metadata).ConfigureAwait(false);
        if (identity is null || !FixedEquals(identity.FindFirst("nonce")?.Value ?? string.Empty, state.Nonce))
        {
            Log.PageSignInRefused(_logger, failure ?? "nonce");
            return Refused(StatusCodes.Status401Unauthorized, "Sign-in failed", "The ID token was not valid for this sign-in.");
        }

        var name = identity.FindFirst("preferred_username")?.Value ?? identity.FindFirst("name")?.Value;
        var oid = identity.FindFirst("oid")?.Value ?? identity.FindFirst("http://schemas.microsoft.com/identity/claims/objectidentifier")?.Value;
        if (name is null || oid is null || !_options.EffectiveRoles.Any(r => EntraTokens.HasRole(identity, r)))
        {
            Log.PageSignInRefused(_logger, "role");
            return Refused(StatusCodes.Status403Forbidden, "Not allowed",
                $"You are signed in, but the incident pages need one of the app roles {string.Join(", ", _options.EffectiveRoles)}. Ask the pipeline's owner to assign you one.");
        }

        var session = new SessionPayload(Clip(name), oid, _time.GetUtcNow().Add(_options.SessionLifetime).ToUnixTimeSeconds());
        request.HttpContext.Response.Cookies.Append(SessionCookie, Protect(session, "session"), new CookieOptions
        {
            HttpOnly = true, Secure = true, SameSite = SameSiteMode.Lax, Path = PathBase, MaxAge = _options.SessionLifetime, IsEssential = true,
        });
        Log.PageSignedIn(_logger, oid);
        return Results.Redirect(state.Return);
    }

    /// <summary><c>GET /api/ui/signout</c>: ends the session in this browser.</summary>
    public IResult SignOut(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = PathBase, Secure = true, SameSite = SameSiteMode.Lax });
        return Refused(StatusCodes.Status200OK, "Signed out", "You are signed out of the incident pages in this browser.");
    }

    /// <summary>A path under <see cref="PathBase"/>, or the list: never another site (no open redirect).</summary>
    public static string LocalReturnPath(string? path) =>
        path is not null && path.Length <= 512 && LocalPath().IsMatch(path) ? path : PathBase + "/incidents";

    private static string CallbackUri(HttpRequest request) => $"https://{request.Host.Value}{CallbackPath}";

    private string Protect<T>(T payload, string purpose)
    {
        var body = Base64UrlTextEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(payload));
        return body + "." + Base64UrlTextEncoder.Encode(Sign(purpose, body));
    }

    private T? Unprotect<T>(string cookie, string purpose)
        where T : class
    {
        var dot = cookie.IndexOf('.', StringComparison.Ordinal);
        if (cookie.Length > 4096 || dot <= 0)
        {
            return null;
        }

        try
        {
            var body = cookie[..dot];
            if (!CryptographicOperations.FixedTimeEquals(Sign(purpose, body), Base64UrlTextEncoder.Decode(cookie[(dot + 1)..])))
            {
                return null;
            }

            return JsonSerializer.Deserialize<T>(Base64UrlTextEncoder.Decode(body));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    // The purpose is signed too, so a state cookie can never pass as a session.
    private byte[] Sign(string purpose, string body) => HMACSHA256.HashData(_options.CookieKeyBytes()!, Encoding.UTF8.GetBytes(purpose + "." + body));

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string Random(int bytes) => Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));

    private static string Clip(string text) => Shared.InputText.Clean(text, 200)!;

    private static IResult Refused(int status, string title, string message) => HtmlPage.Message(status, title, message);

    private sealed record StatePayload(string State, string Nonce, string Return, long Exp);

    private sealed record SessionPayload(string Name, string Oid, long Exp);

    [GeneratedRegex(@"^/api/ui(?:/[A-Za-z0-9\-._~%]*)*(?:\?[A-Za-z0-9\-._~%&=+,:]*)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LocalPath();
}
