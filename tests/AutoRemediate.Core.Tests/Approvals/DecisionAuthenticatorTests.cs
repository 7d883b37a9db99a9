using AutoRemediate.Approvals;
using AutoRemediate.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Approvals;

/// <summary>
/// Who may decide through the API: an Entra ID user with the approver role, proved by a token (validated by the
/// real code against the tests' stand-in for the tenant's keys); never the name the request body gives.
/// </summary>
[TestClass]
public sealed class DecisionAuthenticatorTests
{
    private static DecisionAuthenticator Create(bool entra = true, string? unverified = null) =>
        new(Options.Create(new DecisionAuthOptions
        {
            TenantId = entra ? EntraTestTokens.Tenant : null,
            Audience = entra ? EntraTestTokens.Audience : null,
            UnverifiedOperator = unverified,
        }), EntraTestTokens.Metadata(), NullLogger<DecisionAuthenticator>.Instance);

    private static async Task<(DecisionMaker? Maker, int? Status, string Body)> AuthenticateAsync(DecisionAuthenticator authenticator, string? token)
    {
        var context = new DefaultHttpContext();
        if (token is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + token;
        }

        var (maker, problem) = await authenticator.AuthenticateAsync(context.Request, CancellationToken.None);
        if (problem is null)
        {
            return (maker, null, string.Empty);
        }

        context.RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider();
        context.Response.Body = new MemoryStream();
        await problem.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (maker, context.Response.StatusCode, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [TestMethod]
    public async Task Authenticate_UserWithTheApproverRole_RecordedByTheTokensUserAndObjectId()
    {
        var oid = Guid.NewGuid().ToString();

        var (maker, status, _) = await AuthenticateAsync(Create(), EntraTestTokens.User("oncall@contoso.com", oid, [DecisionAuthOptions.DefaultRole]));

        Assert.IsNull(status);
        Assert.IsTrue(maker!.Verified);
        Assert.AreEqual($"oncall@contoso.com (Entra ID {oid})", maker.Name);
    }

    [TestMethod]
    public async Task Authenticate_NoToken_401()
    {
        var (maker, status, body) = await AuthenticateAsync(Create(), null);

        Assert.IsNull(maker);
        Assert.AreEqual(StatusCodes.Status401Unauthorized, status);
        StringAssert.Contains(body, "user token is required");
    }

    [TestMethod]
    public async Task Authenticate_TokenSignedByAnotherKey_401()
    {
        var (maker, status, _) = await AuthenticateAsync(Create(), EntraTestTokens.User("mallory@contoso.com", Guid.NewGuid().ToString(), [DecisionAuthOptions.DefaultRole], key: EntraTestTokens.ForgedKey));

        Assert.IsNull(maker);
        Assert.AreEqual(StatusCodes.Status401Unauthorized, status);
    }

    [TestMethod]
    public async Task Authenticate_ExpiredToken_401()
    {
        var (maker, status, _) = await AuthenticateAsync(Create(),
            EntraTestTokens.User("oncall@contoso.com", Guid.NewGuid().ToString(), [DecisionAuthOptions.DefaultRole], expires: DateTime.UtcNow.AddMinutes(-5)));

        Assert.IsNull(maker);
        Assert.AreEqual(StatusCodes.Status401Unauthorized, status);
    }

    [TestMethod]
    public async Task Authenticate_UserWithoutTheRole_403NamingTheRole()
    {
        var (maker, status, body) = await AuthenticateAsync(Create(), EntraTestTokens.User("intern@contoso.com", Guid.NewGuid().ToString(), ["Remediation.Reader"]));

        Assert.IsNull(maker);
        Assert.AreEqual(StatusCodes.Status403Forbidden, status);
        StringAssert.Contains(body, "Remediation.Approver");
    }

    [TestMethod]
    public async Task Authenticate_ApplicationTokenEvenWithTheRole_403()
    {
        var (maker, status, body) = await AuthenticateAsync(Create(), EntraTestTokens.App(Guid.NewGuid().ToString(), [DecisionAuthOptions.DefaultRole]));

        Assert.IsNull(maker);
        Assert.AreEqual(StatusCodes.Status403Forbidden, status);
        StringAssert.Contains(body, "not a user's");
    }

    [TestMethod]
    public async Task Authenticate_NoEntraButAnUnverifiedOperator_RecordedAsUnverified()
    {
        var (maker, status, _) = await AuthenticateAsync(Create(entra: false, unverified: "local operator (unverified)"), null);

        Assert.IsNull(status);
        Assert.AreEqual(new DecisionMaker("local operator (unverified)", Verified: false), maker);
    }

    [TestMethod]
    public async Task Authenticate_NoEntraAndNoUnverifiedOperator_403SayingHowToDecide()
    {
        // The Function App's default: the function key alone never decides.
        var (maker, status, body) = await AuthenticateAsync(Create(entra: false), EntraTestTokens.User("oncall@contoso.com", Guid.NewGuid().ToString(), [DecisionAuthOptions.DefaultRole]));

        Assert.IsNull(maker);
        Assert.AreEqual(StatusCodes.Status403Forbidden, status);
        StringAssert.Contains(body, "DecisionAuth__TenantId");
    }

    [TestMethod]
    [DataRow("DecisionAuth:TenantId", EntraTestTokens.Tenant, "DecisionAuth:TenantId is set but DecisionAuth:Audience is not")]
    [DataRow("DecisionAuth:Audience", "api://autoremediate", "DecisionAuth:Audience is set but DecisionAuth:TenantId is not")]
    [DataRow("DecisionAuth:RequiredRole", "Remediation Approver", "DecisionAuth:RequiredRole must be an app role value")]
    [DataRow("DecisionAuth:Instance", "http://login.microsoftonline.com/", "DecisionAuth:Instance (http://login.microsoftonline.com/) must be an absolute https URL")]
    public async Task StartAsync_BadDecisionAuth_HostRefusesToStartNamingTheKey(string key, string value, string message)
    {
        var ex = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => HostStart.StartAndStopAsync(new Dictionary<string, string?> { [key] = value }));

        StringAssert.Contains(ex.Message, message);
    }
}
