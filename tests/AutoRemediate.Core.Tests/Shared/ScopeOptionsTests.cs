using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Shared;

/// <summary>The Scope settings as a host validates them when it starts: a typo must not silently match nothing.</summary>
[TestClass]
public sealed class ScopeOptionsTests
{
    private const string Sub = "00000000-0000-0000-0000-000000000001";

    [TestMethod]
    [DataRow("Scope:AllowedSubscriptions:0", "contoso-prod", "Scope:AllowedSubscriptions entry 'contoso-prod' is not a subscription id")]
    [DataRow("Scope:AllowedResourceGroups:0", "rg-shop", "Scope:AllowedResourceGroups entry 'rg-shop' is not a resource group id")]
    [DataRow("Scope:AllowedResourceGroups:0", "/subscriptions/" + Sub + "/resourceGroups/rg-shop/", "Scope:AllowedResourceGroups entry '/subscriptions/" + Sub + "/resourceGroups/rg-shop/' is not a resource group id")]
    [DataRow("Scope:AllowedResourceIds:0", "contoso-shop", "Scope:AllowedResourceIds entry 'contoso-shop' is not an App Service app, slot or plan id")]
    [DataRow("Scope:AllowedResourceIds:0", "/subscriptions/" + Sub + "/resourceGroups/rg-shop", "Scope:AllowedResourceIds entry '/subscriptions/" + Sub + "/resourceGroups/rg-shop' is not an App Service app, slot or plan id")]
    [DataRow("Scope:AllowedResourceIds:0", "/subscriptions/" + Sub + "/resourceGroups/rg-shop/providers/Microsoft.Compute/virtualMachines/vm1", "is not an App Service app, slot or plan id")]
    public async Task StartAsync_ScopeEntryThatIsNotAnId_HostRefusesToStartNamingTheEntry(string key, string value, string message)
    {
        var ex = await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => HostStart.StartAndStopAsync(new Dictionary<string, string?> { [key] = value }));

        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    public async Task StartAsync_ScopeOfIds_HostStarts()
    {
        // Throws if any of these well-formed entries were refused.
        await HostStart.StartAndStopAsync(new Dictionary<string, string?>
        {
            ["Scope:AllowedSubscriptions:0"] = Sub,
            ["Scope:AllowedResourceGroups:0"] = "/subscriptions/" + Sub + "/resourceGroups/rg-shop",
            ["Scope:AllowedResourceIds:0"] = "/subscriptions/" + Sub + "/resourceGroups/rg-shop/providers/Microsoft.Web/sites/contoso-shop",
            ["Scope:AllowedResourceIds:1"] = "/subscriptions/" + Sub + "/resourceGroups/rg-shop/providers/Microsoft.Web/serverfarms/plan-shop",
        });
    }
}
