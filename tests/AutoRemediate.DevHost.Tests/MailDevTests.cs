using System.Net.Http.Json;
using AutoRemediate.Notify;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost.Tests;

/// <summary>The DevHost starts MailDev, sends its mail there, builds links on its own address, and stops MailDev with itself.</summary>
[TestClass]
public sealed class MailDevTests
{
    [TestMethod]
    public async Task DevHost_StartMailDev_MailGoesToItsInboxAndItStopsWithTheHost()
    {
        MailDevSettings ports;
        var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?> { [ConfigKeys.DevHostStartMailDev] = "true" });
        try
        {
            var mailDev = host.MailDev;
            Assert.IsNotNull(mailDev, "the DevHost started MailDev");
            ports = mailDev.Settings;
            var mail = host.Services.GetRequiredService<IOptions<MailOptions>>().Value;
            Assert.AreEqual(MailDevLauncher.Host, mail.Host);
            Assert.AreEqual(ports.SmtpPort, mail.Port);
            Assert.AreEqual(MailTls.None, mail.UseTls);
            Assert.AreEqual(host.BaseAddress, mail.PublicBaseUrl, "links point at the DevHost itself");

            var to = $"approver-{Guid.NewGuid():N}@contoso.test";
            await host.Services.GetRequiredService<IMailSender>().SendAsync([new OutgoingMail(to, new MailContent("Hello from the DevHost", "<p>hi</p>", "hi"))]);

            using var http = new HttpClient();
            var inbox = await http.GetFromJsonAsync<List<ReceivedMail>>(new Uri(mailDev.Api, "email"));
            Assert.IsTrue(inbox!.Any(m => m.Subject == "Hello from the DevHost" && m.To!.Any(t => t.Address == to)), "the mail is in MailDev's inbox");
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.IsFalse(await AzuriteLauncher.IsListeningAsync(ports.SmtpPort), "MailDev's SMTP port is closed after the DevHost stopped");
        Assert.IsFalse(await AzuriteLauncher.IsListeningAsync(ports.WebPort), "MailDev's inbox is closed after the DevHost stopped");
    }

    [TestMethod]
    public async Task DevHost_MailHostConfigured_StartsNoMailDev()
    {
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, new Dictionary<string, string?>
        {
            [ConfigKeys.DevHostStartMailDev] = "true",
            [ConfigKeys.MailHost] = "smtp.contoso.test",
            [ConfigKeys.MailFrom] = "remediate@contoso.test",
        });

        Assert.IsNull(host.MailDev);
        Assert.AreEqual(host.BaseAddress, host.Services.GetRequiredService<IOptions<MailOptions>>().Value.PublicBaseUrl);
    }
}
