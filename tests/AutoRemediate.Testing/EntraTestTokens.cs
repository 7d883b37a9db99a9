using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Testing;

/// <summary>
/// Entra ID cannot run here: its published signing keys are stood in by a key made for the tests, served
/// through a static metadata manager, and tokens are minted with it. The validation itself is the real code.
/// </summary>
public static class EntraTestTokens
{
    /// <summary>A tenant id for the tests.</summary>
    public const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    /// <summary>The audience (our app registration) for the tests.</summary>
    public const string Audience = "api://autoremediate-test";

    private static readonly RsaSecurityKey s_tenantKey = new(RSA.Create(2048)) { KeyId = "tenant-key" };

    /// <summary>A key with the tenant key's id that the tenant never published (a forger's).</summary>
    public static SecurityKey ForgedKey { get; } = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "tenant-key" };

    /// <summary>The tenant's signing keys, as the metadata manager would serve them.</summary>
    public static BaseConfigurationManager Metadata()
    {
        var configuration = new OpenIdConnectConfiguration();
        configuration.SigningKeys.Add(s_tenantKey);
        return new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
    }

    /// <summary>A delegated (user) access token for <paramref name="userName"/>, with the given app roles.</summary>
    public static string User(string userName, string objectId, string[]? roles = null, SecurityKey? key = null, DateTime? expires = null) =>
        Mint(new Dictionary<string, object?>
        {
            ["preferred_username"] = userName,
            ["oid"] = objectId,
            ["scp"] = "user_impersonation",
            ["roles"] = roles,
        }, key, expires);

    /// <summary>
    /// An OpenID Connect ID token (v2 endpoint) for <paramref name="clientId"/>, as Entra posts it back to a sign-in
    /// redirect URI: the user, the request's nonce and the user's app roles.
    /// </summary>
    public static string IdToken(string clientId, string userName, string objectId, string? nonce, string[]? roles = null, SecurityKey? key = null, DateTime? expires = null) =>
        Mint(new Dictionary<string, object?>
        {
            ["preferred_username"] = userName,
            ["name"] = userName,
            ["oid"] = objectId,
            ["nonce"] = nonce,
            ["roles"] = roles,
        }, key, expires, $"https://login.microsoftonline.com/{Tenant}/v2.0", clientId);

    /// <summary>An application (app-only) token for <paramref name="appId"/>, with the given app roles.</summary>
    public static string App(string appId, string[]? roles = null) =>
        Mint(new Dictionary<string, object?> { ["appid"] = appId, ["oid"] = Guid.NewGuid().ToString(), ["idtyp"] = "app", ["roles"] = roles }, null, null);

    private static string Mint(Dictionary<string, object?> claims, SecurityKey? key, DateTime? expires, string? issuer = null, string? audience = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? $"https://sts.windows.net/{Tenant}/",
            Audience = audience ?? Audience,
            Claims = claims.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!),
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(key ?? s_tenantKey, SecurityAlgorithms.RsaSha256),
        });
    }
}
