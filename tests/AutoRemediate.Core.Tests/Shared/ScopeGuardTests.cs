using AutoRemediate.Shared;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Shared;

[TestClass]
public sealed class ScopeGuardTests
{
    private const string Sub = "11111111-2222-3333-4444-555555555555";
    private const string Site = "/subscriptions/" + Sub + "/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop";

    private static string? Check(string target, string? subscription = null, string? group = null, string? resource = null)
    {
        var options = new ScopeOptions();
        if (subscription is not null)
        {
            options.AllowedSubscriptions.Add(subscription);
        }

        if (group is not null)
        {
            options.AllowedResourceGroups.Add(group);
        }

        if (resource is not null)
        {
            options.AllowedResourceIds.Add(resource);
        }

        ResourceIds.TryParse(target, out var id);
        return new ScopeGuard(Options.Create(options)).OutOfScopeReason(id!);
    }

    [TestMethod]
    [DataRow(Site, null, null, null, true, DisplayName = "no scope configured: everything")]
    [DataRow(Site, Sub, null, null, true, DisplayName = "subscription listed")]
    [DataRow(Site, "99999999-2222-3333-4444-555555555555", null, null, false, DisplayName = "other subscription")]
    [DataRow(Site, null, "/subscriptions/" + Sub + "/resourceGroups/RG-SHOP", null, true, DisplayName = "group listed, any case")]
    [DataRow(Site, null, "/subscriptions/" + Sub + "/resourceGroups/rg-sho", null, false, DisplayName = "group prefix is not a match")]
    [DataRow(Site, null, null, Site, true, DisplayName = "site listed")]
    [DataRow(Site + "/slots/staging", null, null, Site, true, DisplayName = "slot of a listed site")]
    [DataRow(Site + "2", null, null, Site, false, DisplayName = "site name prefix is not a match")]
    [DataRow(Site, "99999999-2222-3333-4444-555555555555", null, Site, true, DisplayName = "any list may match")]
    public void OutOfScopeReason_Table(string target, string? subscription, string? group, string? resource, bool inScope)
    {
        var reason = Check(target, subscription, group, resource);

        Assert.AreEqual(inScope, reason is null, reason);
    }
}
