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
    public async Task SendAsync_ServerTakesTheMailButNeverAnswersQuit_NoFailureAndSentOnce()
    {
        // A server that accepts the message (250 after its data) and then never answers QUIT, as MailDev now and
        // then does: the mail is delivered, so the mailing must not fail (a failure is retried: a second mail).
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = 0;
        var quitSeen = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(stop.Token);
            using var stream = client.GetStream();
            using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
            await using var writer = new StreamWriter(stream, System.Text.Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 silent-quit ESMTP");
            var inData = false;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (inData)
                {
                    if (line == ".")
                    {
                        inData = false;
                        Interlocked.Increment(ref accepted);
                        await writer.WriteLineAsync("250 queued");
                    }

                    continue;
                }

                var command = line.Split(' ')[0].ToUpperInvariant();
                switch (command)
                {
                    case "EHLO" or "HELO":
                        await writer.WriteLineAsync("250 silent-quit");
                        break;
                    case "DATA":
                        inData = true;
                        await writer.WriteLineAsync("354 go ahead");
                        break;
                    case "QUIT":
                        quitSeen.TrySetResult();
                        await Task.Delay(Timeout.Infinite, stop.Token); // never answers
                        break;
                    default:
                        await writer.WriteLineAsync("250 ok");
                        break;
                }
            }
        });

        var sender = new SmtpMailSender(Options.Create(new MailOptions
        {
            Host = "127.0.0.1", Port = port, UseTls = MailTls.None, From = "remediate@contoso.test",
            PublicBaseUrl = new Uri("http://127.0.0.1:7071/"), Timeout = TimeSpan.FromSeconds(20),
        }), NullLogger<SmtpMailSender>.Instance);

        try
        {
            // Before the fix this threw (QUIT's read timed out after Mail:Timeout); the guard only stops a hang.
            await sender.SendAsync([new OutgoingMail("a@contoso.test", new MailContent("s", "<p>h</p>", "t"))]).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAny(server, Task.Delay(TimeSpan.FromSeconds(10)));
        }

        Assert.IsTrue(quitSeen.Task.IsCompleted, "the sender said QUIT");
        Assert.AreEqual(1, accepted, "one message taken by the server");
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
