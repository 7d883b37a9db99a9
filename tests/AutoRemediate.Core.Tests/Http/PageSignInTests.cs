using System.ComponentModel.DataAnnotations;
using AutoRemediate.Http;
using AutoRemediate.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace AutoRemediate.Core.Tests.Http;

/// <summary>
/// The incident pages' OpenID Connect sign-in, driven as a browser and Entra would: the challenge, the form post back
/// with an ID token, the session cookie. Entra's signing keys are the test tenant's (<see cref="EntraTestTokens"/>).
/// </summary>
[TestClass]
public sealed class PageSignInTests
{
    private const string ClientId = "0b3e5f1a-9c2d-4e8f-a1b2-c3d4e5f60718";
    private static readonly string s_key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static PageSignIn SignIn(Action<PageAuthOptions>? change = null, TimeProvider? time = null)
    {
        var options = new PageAuthOptions { TenantId = EntraTestTokens.Tenant, ClientId = ClientId, CookieKey = s_key };
        change?.Invoke(options);
        return new PageSignIn(Options.Create(options), EntraTestTokens.Metadata(), time ?? TimeProvider.System, NullLogger<PageSignIn>.Instance);
    }

    private static DefaultHttpContext Context(string method = "GET", IEnumerable<(string Name, string Value)>? cookies = null)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("autoremediate.azurewebsites.net");
        context.Response.Body = new MemoryStream();
        if (cookies is not null)
        {
            context.Request.Headers.Cookie = string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}"));
        }

        return context;
    }

    private static Dictionary<string, string> SetCookies(HttpContext context) =>
        SetCookieHeaderValue.ParseList(context.Response.Headers.SetCookie.ToArray()!)
            .Where(c => c.Expires is null || c.Expires > DateTimeOffset.UtcNow)
            .ToDictionary(c => c.Name.ToString(), c => c.Value.ToString());

    private static async Task<(HttpContext Context, string Body)> RunAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    // Starts a sign-in and returns what Entra would need back: the state cookie, the state and the nonce.
    private static async Task<(string StateCookie, string State, string Nonce, Uri Authorize)> ChallengeAsync(PageSignIn signIn, string returnPath = "/api/ui/incidents/inc-20261130-0123456789abcdef")
    {
        var context = Context();
        await signIn.Challenge(context.Request, returnPath).ExecuteAsync(context);
        var location = new Uri(context.Response.Headers.Location.ToString());
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        return (SetCookies(context)[PageSignIn.StateCookie], query["state"].ToString(), query["nonce"].ToString(), location);
    }

    private static async Task<(HttpContext Context, string Body)> PostBackAsync(PageSignIn signIn, string stateCookie, string state, string idToken)
    {
        var context = Context("POST", [(PageSignIn.StateCookie, stateCookie)]);
        context.Request.ContentType = "application/x-www-form-urlencoded";
        context.Request.Form = new FormCollection(new Dictionary<string, StringValues> { ["state"] = state, ["id_token"] = idToken });
        return await RunAsync(await signIn.CompleteAsync(context.Request, CancellationToken.None), context);
    }

    [TestMethod]
    public async Task Challenge_SendsTheBrowserToEntraForAnIdTokenPostedBackHere()
    {
        var (stateCookie, state, nonce, authorize) = await ChallengeAsync(SignIn());

        Assert.AreEqual($"https://login.microsoftonline.com/{EntraTestTokens.Tenant}/oauth2/v2.0/authorize", authorize.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorize.Query);
        Assert.AreEqual(ClientId, query["client_id"].ToString());
        Assert.AreEqual("id_token", query["response_type"].ToString());
        Assert.AreEqual("form_post", query["response_mode"].ToString());
        Assert.AreEqual("https://autoremediate.azurewebsites.net/api/ui/signin", query["redirect_uri"].ToString());
        Assert.IsTrue(state.Length >= 20 && nonce.Length >= 20 && state != nonce);
        Assert.IsFalse(stateCookie.Contains(nonce, StringComparison.Ordinal) && stateCookie.Length < nonce.Length, "the cookie is signed data, not the bare nonce");
    }

    [TestMethod]
    public async Task SignIn_ValidIdTokenWithRole_SessionCookieNamesTheUserAndReturnsWhereTheyWere()
    {
        var signIn = SignIn();
        var (stateCookie, state, nonce, _) = await ChallengeAsync(signIn);

        var (context, _) = await PostBackAsync(signIn, stateCookie, state, EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce, ["Remediation.Viewer"]));

        Assert.AreEqual(StatusCodes.Status302Found, context.Response.StatusCode);
        Assert.AreEqual("/api/ui/incidents/inc-20261130-0123456789abcdef", context.Response.Headers.Location.ToString());
        var session = SetCookieHeaderValue.ParseList(context.Response.Headers.SetCookie.ToArray()!).Single(c => c.Name == PageSignIn.SessionCookie);
        Assert.IsTrue(session.HttpOnly && session.Secure, "HttpOnly and Secure");
        Assert.AreEqual("/api/ui", session.Path.ToString());
        var viewer = signIn.Viewer(Context(cookies: [(PageSignIn.SessionCookie, session.Value.ToString())]).Request);
        Assert.AreEqual(new PageViewer("ana@contoso.com", "oid-ana"), viewer);
    }

    [TestMethod]
    public async Task SignIn_Attacks_RefusedWithAPageAndNoSession()
    {
        var signIn = SignIn();
        var (stateCookie, state, nonce, _) = await ChallengeAsync(signIn);
        var (otherCookie, otherState, _, _) = await ChallengeAsync(signIn);
        var good = EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce, ["Remediation.Viewer"]);
        var cases = new (string Name, string Cookie, string State, string Token, int Status)[]
        {
            ("no role", stateCookie, state, EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce), 403),
            ("another app's role", stateCookie, state, EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce, ["Reader"]), 403),
            ("forged signature", stateCookie, state, EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce, ["Remediation.Viewer"], EntraTestTokens.ForgedKey), 401),
            ("expired", stateCookie, state, EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce, ["Remediation.Viewer"], expires: DateTime.UtcNow.AddMinutes(-5)), 401),
            ("token for another app", stateCookie, state, EntraTestTokens.IdToken(Guid.NewGuid().ToString(), "ana@contoso.com", "oid-ana", nonce, ["Remediation.Viewer"]), 401),
            ("replayed token of another sign-in (nonce)", otherCookie, otherState, good, 401),
            ("state of another browser", otherCookie, state, good, 400),
            ("no state cookie", string.Empty, state, good, 400),
            ("tampered state cookie", stateCookie[..^2] + "AA", state, good, 400),
            ("an access token, not an ID token", stateCookie, state, EntraTestTokens.User("ana@contoso.com", "oid-ana", ["Remediation.Viewer"]), 401),
        };

        foreach (var (name, cookie, sentState, token, status) in cases)
        {
            var (context, body) = await PostBackAsync(signIn, cookie, sentState, token);
            Assert.AreEqual(status, context.Response.StatusCode, name);
            StringAssert.StartsWith(context.Response.ContentType, "text/html", name);
            StringAssert.Contains(body, "<h1>", name);
            Assert.IsFalse(SetCookies(context).ContainsKey(PageSignIn.SessionCookie), name + ": no session");
        }
    }

    [TestMethod]
    public async Task Session_TamperedExpiredOrAStateCookie_IsNobody()
    {
        var time = new MovableTime(DateTimeOffset.UtcNow);
        var signIn = SignIn(o => o.SessionLifetime = TimeSpan.FromHours(1), time);
        var (stateCookie, state, nonce, _) = await ChallengeAsync(signIn);
        var (context, _) = await PostBackAsync(signIn, stateCookie, state, EntraTestTokens.IdToken(ClientId, "ana@contoso.com", "oid-ana", nonce, ["Remediation.Approver"]));
        var session = SetCookies(context)[PageSignIn.SessionCookie];

        Assert.IsNotNull(signIn.Viewer(Context(cookies: [(PageSignIn.SessionCookie, session)]).Request));
        var body = session[..session.IndexOf('.', StringComparison.Ordinal)];
        var forgedBody = Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(System.Text.Encoding.UTF8.GetBytes("{\"Name\":\"boss@contoso.com\",\"Oid\":\"x\",\"Exp\":99999999999}"));
        Assert.IsNull(signIn.Viewer(Context(cookies: [(PageSignIn.SessionCookie, forgedBody + session[body.Length..])]).Request), "a changed body");
        Assert.IsNull(signIn.Viewer(Context(cookies: [(PageSignIn.SessionCookie, stateCookie)]).Request), "a state cookie is not a session");
        Assert.IsNull(SignIn(o => o.CookieKey = Convert.ToBase64String(new byte[32])).Viewer(Context(cookies: [(PageSignIn.SessionCookie, session)]).Request), "another key");
        time.Now = time.Now.AddHours(1).AddSeconds(1);
        Assert.IsNull(signIn.Viewer(Context(cookies: [(PageSignIn.SessionCookie, session)]).Request), "expired");
    }

    [TestMethod]
    [DataRow("//evil.example/api/ui", DisplayName = "protocol-relative")]
    [DataRow("https://evil.example/api/ui/incidents", DisplayName = "absolute")]
    [DataRow("/api/uix", DisplayName = "a sibling path")]
    [DataRow("/api/ui\\@evil.example", DisplayName = "backslash")]
    [DataRow("/api/alerts", DisplayName = "another route")]
    public void LocalReturnPath_AnythingButAPagePath_IsTheList(string path) =>
        Assert.AreEqual("/api/ui/incidents", PageSignIn.LocalReturnPath(path));

    [TestMethod]
    public void LocalReturnPath_APagePathWithItsQuery_Kept() =>
        Assert.AreEqual("/api/ui/incidents?status=Resolved&app=contoso-shop", PageSignIn.LocalReturnPath("/api/ui/incidents?status=Resolved&app=contoso-shop"));

    [TestMethod]
    [DataRow("TenantId", "not-a-guid", "TenantId")]
    [DataRow("CookieKey", "c2hvcnQ=", "CookieKey")]
    [DataRow("CookieKey", "", "CookieKey")]
    public void Options_HalfOrBadConfiguration_Refused(string field, string value, string named)
    {
        var options = new PageAuthOptions { TenantId = EntraTestTokens.Tenant, ClientId = ClientId, CookieKey = s_key };
        typeof(PageAuthOptions).GetProperty(field)!.SetValue(options, value);

        var results = options.Validate(new ValidationContext(options)).ToList();

        Assert.IsTrue(results.Any(r => r.MemberNames.Contains(named)), string.Join("; ", results.Select(r => r.ErrorMessage)));
    }

    [TestMethod]
    public void Options_NothingSet_SignInOff()
    {
        var options = new PageAuthOptions();

        Assert.AreEqual(0, options.Validate(new ValidationContext(options)).Count());
        Assert.IsFalse(options.Enabled);
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
