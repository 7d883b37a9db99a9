using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Http;

/// <summary>The webhook authentication settings as a host validates them when it starts.</summary>
[TestClass]
public sealed class WebhookAuthOptionsTests
{
    private const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    [TestMethod]
    [DataRow("WebhookAuth:TenantId", Tenant, "WebhookAuth:TenantId is set but WebhookAuth:Audience is not")]
    [DataRow("WebhookAuth:Audience", "api://autoremediate", "WebhookAuth:Audience is set but WebhookAuth:TenantId is not")]
    [DataRow("WebhookAuth:AllowedCallerAppIds:0", "11111111-2222-3333-4444-555555555555", "WebhookAuth:AllowedCallerAppIds is set but WebhookAuth:TenantId and WebhookAuth:Audience are not")]
    [DataRow("WebhookAuth:RequiredRole", "ActionGroupsSecureWebhook", "WebhookAuth:RequiredRole is set but WebhookAuth:TenantId and WebhookAuth:Audience are not")]
    [DataRow("WebhookAuth:Instance", "http://login.microsoftonline.com/", "WebhookAuth:Instance (http://login.microsoftonline.com/) must be an absolute https URL")]
    public async Task StartAsync_HalfConfiguredTokenCheck_HostRefusesToStartNamingTheKey(string key, string value, string message)
    {
        var ex = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => HostStart.StartAndStopAsync(new Dictionary<string, string?> { [key] = value }));

        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    public async Task StartAsync_TenantAndAudienceWithCallersAndRole_HostStarts()
    {
        // Throws if anything in the complete configuration were refused.
        await HostStart.StartAndStopAsync(new Dictionary<string, string?>
        {
            ["WebhookAuth:TenantId"] = Tenant,
            ["WebhookAuth:Audience"] = "api://autoremediate",
            ["WebhookAuth:AllowedCallerAppIds:0"] = "11111111-2222-3333-4444-555555555555",
            ["WebhookAuth:RequiredRole"] = "ActionGroupsSecureWebhook",
        });
    }
}
