using System.Diagnostics;
using AutoRemediate.Notify;
using AutoRemediate.Testing;
using Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Notify;

/// <summary>
/// The real ACS Email sender, wired by AddAutoRemediate with <c>Mail:Provider</c> AcsEmail, against the
/// Sandbox's ACS Email routes over HTTPS: what ACS receives, and how a refused sender, throttling, a failed
/// operation and one that never ends come back to the caller (an exception, so the durable retry applies).
/// </summary>
[TestClass]
public sealed class AcsEmailSenderTests
{
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetAsync() => s_sandbox.ResetAsync();

    private static IMailSender Sender(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(s_sandbox.AcsMailSettings()) { ["Mail:PublicBaseUrl"] = "https://remediate.contoso.test/" };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var services = new ServiceCollection();
        TestServices.AddCore(services, s_sandbox, TestServices.UniqueTables(), all);
        return services.BuildServiceProvider().GetRequiredService<IMailSender>();
    }

    private static OutgoingMail Mail(string to) => new(to, new MailContent("Approval needed: RestartApp on contoso-shop", "<p>Approve <a href=\"https://x/\">here</a></p>", "Approve at https://x/"));

    private static List<Sandbox.LoggedRequest> Requests(string method, string path) =>
        [.. s_sandbox.Requests.Snapshot().Where(r => r.Method == method && r.Path.StartsWith(path, StringComparison.Ordinal))];

    [TestMethod]
    public async Task SendAsync_TwoApprovers_OneMailEachWithSenderSubjectAndBothBodies()
    {
        var sender = Sender();

        await sender.SendAsync([Mail("owner@contoso.test"), Mail("lead@contoso.test")]);

        Assert.IsInstanceOfType<AcsEmailSender>(sender, "Mail:Provider AcsEmail picks the ACS sender");
        var mails = await s_sandbox.EmailsAsync();
        Assert.HasCount(2, mails);
        CollectionAssert.AreEqual(new[] { "owner@contoso.test", "lead@contoso.test" }, mails.Select(m => m!["to"]![0]!.GetValue<string>()).ToArray());
        var first = mails[0]!;
        Assert.AreEqual("DoNotReply@sandbox.azurecomm.net", first["senderAddress"]!.GetValue<string>());
        Assert.AreEqual("Approval needed: RestartApp on contoso-shop", first["subject"]!.GetValue<string>());
        Assert.AreEqual("Approve at https://x/", first["plainText"]!.GetValue<string>());
        Assert.AreEqual("<p>Approve <a href=\"https://x/\">here</a></p>", first["html"]!.GetValue<string>());
        Assert.IsTrue(mails.All(m => m!["status"]!.GetValue<string>() == "Succeeded"));
        var posts = Requests("POST", "/emails:send");
        Assert.HasCount(2, posts);
        Assert.IsTrue(posts.All(p => p.HadBearerToken && p.Query.Contains("api-version=2025-09-01", StringComparison.Ordinal) && p.Status == 202));
        var polls = Requests("GET", "/emails/operations/");
        Assert.IsTrue(polls.Count >= 2 && polls.All(p => p.Status == 200 && p.HadBearerToken), "each operation is polled until it ends");
    }

    [TestMethod]
    public async Task SendAsync_SenderNotOnTheLinkedDomain_RequestFailed400AndNothingSent()
    {
        var sender = Sender(new() { ["Mail:From"] = "DoNotReply@contoso.test" });

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => sender.SendAsync([Mail("owner@contoso.test")]));

        Assert.AreEqual(400, ex.Status);
        Assert.AreEqual("DomainNotLinked", ex.ErrorCode);
        Assert.IsEmpty(await s_sandbox.EmailsAsync());
        Assert.HasCount(1, Requests("POST", "/emails:send"), "a 400 is not retried");
    }

    [TestMethod]
    public async Task SendAsync_Throttled429WithRetryAfter_WaitsThatLongThenSendsOnce()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", status = 429, retryAfterSeconds = 2 });
        var sender = Sender();
        var clock = Stopwatch.StartNew();

        await sender.SendAsync([Mail("owner@contoso.test")]);

        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9), clock.Elapsed, "Retry-After is honoured");
        CollectionAssert.AreEqual(new[] { 429, 202 }, Requests("POST", "/emails:send").Select(r => r.Status).ToArray());
        Assert.HasCount(1, await s_sandbox.EmailsAsync());
    }

    [TestMethod]
    public async Task SendAsync_ThrottledBeyondTheRetries_RequestFailed429()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", status = 429, times = 10 });
        var sender = Sender();

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => sender.SendAsync([Mail("owner@contoso.test")]));

        Assert.AreEqual(429, ex.Status);
        Assert.IsEmpty(await s_sandbox.EmailsAsync());
    }

    [TestMethod]
    public async Task SendAsync_OperationFailed_ThrowsWithTheServiceErrorAndStopsThere()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", lroResult = "Failed" });
        var sender = Sender();

        var ex = await Assert.ThrowsExactlyAsync<RequestFailedException>(() => sender.SendAsync([Mail("owner@contoso.test"), Mail("lead@contoso.test")]));

        Assert.AreEqual("EmailDropped", ex.ErrorCode);
        StringAssert.Contains(ex.Message, "ended Failed");
        Assert.HasCount(1, await s_sandbox.EmailsAsync(), "the second mail is not sent after the first failed");
    }

    [TestMethod]
    public async Task SendAsync_OperationNeverEnds_TimeoutAfterAcsSendTimeout()
    {
        await s_sandbox.AddFaultAsync(new { method = "POST", pathContains = "/emails:send", lroResult = "Running" });
        var sender = Sender(new() { ["Mail:AcsSendTimeout"] = "00:00:02" });
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsExactlyAsync<TimeoutException>(() => sender.SendAsync([Mail("owner@contoso.test")]));

        StringAssert.Contains(ex.Message, "Mail:AcsSendTimeout");
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9), clock.Elapsed);
        Assert.IsGreaterThan(1, Requests("GET", "/emails/operations/").Count, "it kept polling until the budget ran out");
    }

    [TestMethod]
    public void Options_SandboxCredentialWithAnAzureEndpoint_RefusedAtStart()
    {
        var services = new ServiceCollection();
        TestServices.AddCore(services, s_sandbox, TestServices.UniqueTables(), new Dictionary<string, string?>(s_sandbox.AcsMailSettings())
        {
            ["Mail:AcsEndpoint"] = "https://contoso.unitedstates.communication.azure.com",
            ["Mail:PublicBaseUrl"] = "https://remediate.contoso.test/",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => services.BuildServiceProvider().GetRequiredService<IOptions<MailOptions>>().Value);

        StringAssert.Contains(ex.Message, "Mail:AcsEndpoint must be a loopback address (the local Sandbox) when Azure:Credential is Sandbox");
    }
}
