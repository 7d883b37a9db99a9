using AutoRemediate.Notify;
using AutoRemediate.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Notify;

/// <summary>The MailKit sender against a real MailDev, read back through MailDev's REST API.</summary>
[TestClass]
public sealed class SmtpMailSenderTests
{
    [ClassInitialize]
    public static Task StartMailDevAsync(TestContext context) => MailDevFixture.StartAsync();

    private static SmtpMailSender Sender() => new(Options.Create(new MailOptions
    {
        Host = AutoRemediate.DevHost.MailDevLauncher.Host,
        Port = MailDevFixture.Settings.SmtpPort,
        UseTls = MailTls.None,
        From = "AutoRemediate <remediate@contoso.test>",
        PublicBaseUrl = new Uri("http://127.0.0.1:7071/"),
        Timeout = TimeSpan.FromSeconds(10),
    }), NullLogger<SmtpMailSender>.Instance);

    [TestMethod]
    public async Task SendAsync_MailDev_EachRecipientGetsHtmlAndText()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var a = $"a-{run}@contoso.test";
        var b = $"b-{run}@contoso.test";
        var content = new MailContent($"Subject {run}", $"<p>Hello <b>{run}</b></p>", $"Hello {run}");

        await Sender().SendAsync([new OutgoingMail(a, content), new OutgoingMail(b, content)]);

        foreach (var to in new[] { a, b })
        {
            var mails = await MailDevFixture.WaitForMailsAsync(to, 1, TimeSpan.FromSeconds(10));
            Assert.HasCount(1, mails, to);
            Assert.AreEqual($"Subject {run}", mails[0].Subject);
            Assert.Contains($"<b>{run}</b>", mails[0].Html!);
            Assert.Contains($"Hello {run}", mails[0].Text!);
        }
    }

    [TestMethod]
    public async Task SendAsync_NothingListens_Throws()
    {
        var sender = new SmtpMailSender(Options.Create(new MailOptions
        {
            Host = "127.0.0.1", Port = LoopbackPorts.Free(1)[0], UseTls = MailTls.None, From = "remediate@contoso.test",
            PublicBaseUrl = new Uri("http://127.0.0.1:7071/"), Timeout = TimeSpan.FromSeconds(5),
        }), NullLogger<SmtpMailSender>.Instance);

        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() =>
            sender.SendAsync([new OutgoingMail("a@contoso.test", new MailContent("s", "<p>h</p>", "t"))]));
    }
}
