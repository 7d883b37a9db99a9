using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Http;

/// <summary>
/// One Entra ID bearer token check for every route that takes one (the secure webhooks, the decision API):
/// signature against the tenant's published keys, issuer (v1 or v2 endpoint), audience (client id or its
/// <c>api://</c> form) and lifetime. What the caller must be (an allowed application, a user with a role)
/// is for the route to decide on the identity returned.
/// </summary>
public static class EntraTokens
{
    private static readonly JsonWebTokenHandler s_handler = new();

    /// <summary>The bearer token of the request's Authorization header, or null when there is none.</summary>
    public static string? Bearer(string? authorization) =>
        authorization is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > "Bearer ".Length
            ? header["Bearer ".Length..].Trim()
            : null;

    /// <summary>
    /// The validated identity, or null and why (the failure's kind, never the token). <paramref name="metadata"/>
    /// supplies the tenant's signing keys.
    /// </summary>
    public static async Task<(ClaimsIdentity? Identity, string? Failure)> ValidateAsync(string token, string tenantId, string audience, Uri instance, BaseConfigurationManager? metadata)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var parameters = new TokenValidationParameters
        {
            ValidIssuers = [$"https://sts.windows.net/{tenantId}/", new Uri(instance, $"{tenantId}/v2.0").ToString()],
            ValidAudiences = [audience, $"api://{audience}"],
            ConfigurationManager = metadata,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
        };
        var result = await s_handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        // The exception type says what failed (expired, wrong audience, bad signature) without echoing the token.
        return result.IsValid ? (result.ClaimsIdentity, null) : (null, result.Exception?.GetType().Name ?? "invalid");
    }

    /// <summary>True when the identity carries the app role <paramref name="role"/> (the <c>roles</c> claim).</summary>
    public static bool HasRole(ClaimsIdentity identity, string role)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity.FindAll("roles").Concat(identity.FindAll(ClaimTypes.Role)).Any(r => string.Equals(r.Value, role, StringComparison.Ordinal));
    }

    /// <summary>The metadata address of a tenant's signing keys.</summary>
    public static string MetadataAddress(Uri instance, string? tenantId)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new Uri(instance, $"{tenantId}/v2.0/.well-known/openid-configuration").ToString();
    }
}
