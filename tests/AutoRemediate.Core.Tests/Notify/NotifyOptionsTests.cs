using AutoRemediate.Notify;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Notify;

[TestClass]
public sealed class NotifyOptionsTests
{
    private const string Shop = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private const string Api = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-api";
    private const string Other = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-other/providers/Microsoft.Web/sites/other-app";

    private static T Bind<T>(Dictionary<string, string?> settings, string section)
        where T : class
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations();
        return services.BuildServiceProvider().GetRequiredService<IOptions<T>>().Value;
    }

    [TestMethod]
    public void Approvers_AppBeatsGroupBeatsDefault()
    {
        var approvers = Bind<ApproverOptions>(new()
        {
            ["Approvers:Default:0"] = "oncall@contoso.com",
            ["Approvers:ByResourceGroup:rg-shop-prod:0"] = "shop-team@contoso.com",
            ["Approvers:ByApp:contoso-shop:0"] = "shop-owner@contoso.com",
            ["Approvers:ByApp:contoso-shop:1"] = "shop-lead@contoso.com",
        }, ApproverOptions.SectionName);

        CollectionAssert.AreEqual(new[] { "shop-owner@contoso.com", "shop-lead@contoso.com" }, approvers.For(Shop).ToArray());
        CollectionAssert.AreEqual(new[] { "shop-team@contoso.com" }, approvers.For(Api).ToArray());
        CollectionAssert.AreEqual(new[] { "oncall@contoso.com" }, approvers.For(Other).ToArray());
    }

    [TestMethod]
    [DataRow("not-an-address")]
    [DataRow("a@b.com, c@d.com")]
    [DataRow("Eve <eve@contoso.com>")]
    public void Approvers_NotOneAddress_Refused(string value)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind<ApproverOptions>(new() { ["Approvers:Default:0"] = value }, ApproverOptions.SectionName));

        Assert.Contains("Approvers:Default:0 is not one email address", ex.Message);
    }

    [TestMethod]
    public void Approvers_TooMany_Refused()
    {
        var settings = Enumerable.Range(0, ApproverOptions.MaxPerList + 1).ToDictionary(i => $"Approvers:ByApp:contoso-shop:{i}", i => (string?)$"p{i}@contoso.com");

        var ex = Assert.Throws<OptionsValidationException>(() => Bind<ApproverOptions>(settings, ApproverOptions.SectionName));

        Assert.Contains($"at most {ApproverOptions.MaxPerList}", ex.Message);
    }

    [TestMethod]
    public void Mail_NotConfigured_Valid()
    {
        var mail = Bind<MailOptions>(new(), MailOptions.SectionName);

        Assert.IsFalse(mail.IsConfigured);
    }

    [TestMethod]
    public void Mail_HostWithoutFromOrBaseUrl_StopsWithMessage()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind<MailOptions>(new() { ["Mail:Host"] = "smtp.contoso.com" }, MailOptions.SectionName));

        Assert.Contains("Mail:From must be a valid sender address", ex.Message);
        Assert.Contains("Mail:PublicBaseUrl must be the host's absolute http(s) address", ex.Message);
    }

    [TestMethod]
    public void Mail_PasswordWithoutHost_StopsWithMessage()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind<MailOptions>(new() { ["Mail:Password"] = "secret-value" }, MailOptions.SectionName));

        Assert.Contains("Mail is half configured", ex.Message);
        Assert.DoesNotContain("secret-value", ex.Message);
    }

    [TestMethod]
    public void Mail_UserWithoutPassword_StopsWithMessage()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind<MailOptions>(new()
        {
            ["Mail:Host"] = "smtp.contoso.com", ["Mail:From"] = "remediate@contoso.com", ["Mail:PublicBaseUrl"] = "https://remediate.contoso.com", ["Mail:UserName"] = "remediate",
        }, MailOptions.SectionName));

        Assert.Contains("Mail:UserName and Mail:Password go together", ex.Message);
    }

    [TestMethod]
    public void Mail_Complete_PortFollowsTls()
    {
        var mail = Bind<MailOptions>(new()
        {
            ["Mail:Host"] = "smtp.contoso.com", ["Mail:From"] = "AutoRemediate <remediate@contoso.com>", ["Mail:PublicBaseUrl"] = "https://remediate.contoso.com",
            ["Mail:UseTls"] = "SslOnConnect",
        }, MailOptions.SectionName);

        Assert.IsTrue(mail.IsConfigured);
        Assert.AreEqual(465, mail.EffectivePort);
    }

    [TestMethod]
    public void Mail_AcsEmailComplete_ConfiguredWithTheGaApiVersion()
    {
        var mail = Bind<MailOptions>(new()
        {
            ["Mail:Provider"] = "AcsEmail", ["Mail:AcsEndpoint"] = "https://contoso.unitedstates.communication.azure.com",
            ["Mail:From"] = "DoNotReply@0a1b2c3d-0000-4000-8000-000000000000.azurecomm.net", ["Mail:PublicBaseUrl"] = "https://remediate.contoso.com",
        }, MailOptions.SectionName);

        Assert.IsTrue(mail.IsConfigured);
        Assert.AreEqual("2025-09-01", mail.AcsApiVersion);
    }

    [TestMethod]
    public void Mail_AcsEmailWithoutEndpoint_NotConfiguredAndTheTimelineNamesTheSetting()
    {
        var mail = Bind<MailOptions>(new() { ["Mail:Provider"] = "AcsEmail" }, MailOptions.SectionName);

        Assert.IsFalse(mail.IsConfigured);
        Assert.AreEqual("Mail:AcsEndpoint", mail.ConfiguredBy);
    }

    [TestMethod]
    [DataRow("Mail:AcsEndpoint", "http://contoso.unitedstates.communication.azure.com", "Mail:AcsEndpoint must be the Communication Services resource's https endpoint", DisplayName = "plain http")]
    [DataRow("Mail:AcsEndpoint", "https://contoso.unitedstates.communication.azure.com/emails", "Mail:AcsEndpoint must be the Communication Services resource's https endpoint", DisplayName = "with a path")]
    [DataRow("Mail:From", "AutoRemediate <DoNotReply@x.azurecomm.net>", "Mail:From must be a bare sender address", DisplayName = "sender with a display name")]
    [DataRow("Mail:From", "not-an-address", "Mail:From must be a bare sender address", DisplayName = "sender not an address")]
    [DataRow("Mail:Host", "smtp.contoso.com", "are SMTP settings and are not used with Mail:Provider AcsEmail", DisplayName = "an SMTP host too")]
    [DataRow("Mail:PublicBaseUrl", "remediate.contoso.com", "Mail:PublicBaseUrl must be the host's absolute http(s) address (approval links are built on it) when Mail:AcsEndpoint is set", DisplayName = "no link base")]
    public void Mail_AcsEmailWrong_StopsWithMessage(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Provider"] = "AcsEmail", ["Mail:AcsEndpoint"] = "https://contoso.unitedstates.communication.azure.com",
            ["Mail:From"] = "DoNotReply@x.azurecomm.net", ["Mail:PublicBaseUrl"] = "https://remediate.contoso.com",
        };
        settings[key] = value;

        var ex = Assert.Throws<OptionsValidationException>(() => Bind<MailOptions>(settings, MailOptions.SectionName));

        Assert.Contains(message, ex.Message);
    }

    [TestMethod]
    public void Mail_AcsEndpointWithSmtpProvider_StopsWithMessage()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind<MailOptions>(new()
        {
            ["Mail:Host"] = "smtp.contoso.com", ["Mail:From"] = "remediate@contoso.com", ["Mail:PublicBaseUrl"] = "https://remediate.contoso.com",
            ["Mail:AcsEndpoint"] = "https://contoso.unitedstates.communication.azure.com",
        }, MailOptions.SectionName));

        Assert.Contains("Mail:AcsEndpoint is set but Mail:Provider is Smtp", ex.Message);
    }
}
