using System.Security.Cryptography;
using AutoRemediate.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AutoRemediate.Core.Tests.Http;

/// <summary>
/// Secure-webhook token validation. Entra ID cannot run here, so its published signing keys are
/// stood in by a key made for the test; everything else (the validation itself) is the real code.
/// </summary>
[TestClass]
public sealed class WebhookAuthenticatorTests
{
    private const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private const string Audience = "api://autoremediate-test";
    private static readonly RsaSecurityKey s_tenantKey = new(RSA.Create(2048)) { KeyId = "tenant-key" };
    private static readonly RsaSecurityKey s_otherKey = new(RSA.Create(2048)) { KeyId = "tenant-key" };

    private static WebhookAuthenticator Create(string? role = null, string? tenant = Tenant)
    {
        var options = new WebhookAuthOptions { TenantId = tenant, Audience = Audience, RequiredRole = role };
        var configuration = new OpenIdConnectConfiguration();
        configuration.SigningKeys.Add(s_tenantKey);
        return new WebhookAuthenticator(Options.Create(options), new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration), NullLogger<WebhookAuthenticator>.Instance);
    }

    private static string Token(
        string issuer = $"https://sts.windows.net/{Tenant}/", string audience = Audience, string? appId = WebhookAuthOptions.ActionGroupsAppId,
        string[]? roles = null, DateTime? expires = null, SecurityKey? key = null, string caller = "appid")
    {
        var claims = new Dictionary<string, object>();
        if (appId is not null)
        {
            claims[caller] = appId;
        }

        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(key ?? s_tenantKey, SecurityAlgorithms.RsaSha256),
        });
    }

    private static async Task<int?> AuthenticateAsync(WebhookAuthenticator authenticator, string? authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        var denied = await authenticator.AuthenticateAsync(context.Request, CancellationToken.None);
        if (denied is null)
        {
            return null;
        }

        context.RequestServices = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddLogging().BuildServiceProvider();
        context.Response.Body = new MemoryStream();
        await denied.ExecuteAsync(context);
        Assert.AreEqual("Bearer error=\"invalid_token\"", context.Response.Headers.WWWAuthenticate.ToString());
        return context.Response.StatusCode;
    }

    [TestMethod]
    public async Task Authenticate_NotConfigured_EveryRequestPasses()
    {
        Assert.IsNull(await AuthenticateAsync(Create(tenant: null), null));
    }

    [TestMethod]
    public async Task Authenticate_ActionGroupTokenV1_Passes()
    {
        Assert.IsNull(await AuthenticateAsync(Create(), "Bearer " + Token()));
    }

    [TestMethod]
    public async Task Authenticate_EventGridTokenV2WithAzp_Passes()
    {
        var token = Token(issuer: $"https://login.microsoftonline.com/{Tenant}/v2.0", appId: WebhookAuthOptions.EventGridAppId, caller: "azp");

        Assert.IsNull(await AuthenticateAsync(Create(), "Bearer " + token));
    }

    [TestMethod]
    public async Task Authenticate_RequiredRolePresent_Passes()
    {
        Assert.IsNull(await AuthenticateAsync(Create(role: "ActionGroupsSecureWebhook"), "Bearer " + Token(roles: ["ActionGroupsSecureWebhook"])));
    }

    [TestMethod]
    [DataRow(null, DisplayName = "no Authorization header")]
    [DataRow("Basic dXNlcjpwYXNz", DisplayName = "not a bearer token")]
    [DataRow("Bearer ", DisplayName = "empty bearer token")]
    [DataRow("Bearer not-a-jwt", DisplayName = "garbage token")]
    public async Task Authenticate_NoUsableToken_401(string? header)
    {
        Assert.AreEqual(401, await AuthenticateAsync(Create(), header));
    }

    [TestMethod]
    public async Task Authenticate_Expired_401() =>
        Assert.AreEqual(401, await AuthenticateAsync(Create(), "Bearer " + Token(expires: DateTime.UtcNow.AddMinutes(-5))));

    [TestMethod]
    public async Task Authenticate_OtherAudience_401() =>
        Assert.AreEqual(401, await AuthenticateAsync(Create(), "Bearer " + Token(audience: "api://someone-else")));

    [TestMethod]
    public async Task Authenticate_OtherTenantIssuer_401() =>
        Assert.AreEqual(401, await AuthenticateAsync(Create(), "Bearer " + Token(issuer: "https://sts.windows.net/00000000-0000-0000-0000-000000000000/")));

    [TestMethod]
    public async Task Authenticate_SignedWithAnotherKey_401() =>
        Assert.AreEqual(401, await AuthenticateAsync(Create(), "Bearer " + Token(key: s_otherKey)));

    [TestMethod]
    public async Task Authenticate_CallerIsNotAzureMonitorOrEventGrid_401() =>
        Assert.AreEqual(401, await AuthenticateAsync(Create(), "Bearer " + Token(appId: "11111111-1111-1111-1111-111111111111")));

    [TestMethod]
    public async Task Authenticate_RequiredRoleMissing_401() =>
        Assert.AreEqual(401, await AuthenticateAsync(Create(role: "ActionGroupsSecureWebhook"), "Bearer " + Token(roles: ["SomethingElse"])));
}
