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
}
