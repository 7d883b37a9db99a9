using AutoRemediate.Shared;

namespace AutoRemediate.Core.Tests.Shared;

[TestClass]
public sealed class ResourceIdsTests
{
    private const string Sub = "11111111-2222-3333-4444-555555555555";
    private const string Shop = "/subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private const string Plan = "/subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/plan-shop-prod";

    [TestMethod]
    [DataRow(Shop, Shop, TargetKind.Site, DisplayName = "an app as ARM spells it")]
    [DataRow("/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.WEB/SITES/CONTOSO-SHOP", Shop, TargetKind.Site, DisplayName = "upper case")]
    [DataRow("/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-shop-prod/providers/microsoft.web/sites/Contoso-Shop", Shop, TargetKind.Site, DisplayName = "lower-case fixed segments, mixed-case name")]
    [DataRow(Shop + "/slots/Staging", Shop + "/slots/staging", TargetKind.Slot, DisplayName = "a slot")]
    [DataRow(Plan, Plan, TargetKind.Plan, DisplayName = "a plan")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg_(shop).prod/providers/Microsoft.Web/sites/contoso-shop", "/subscriptions/" + Sub + "/resourceGroups/rg_(shop).prod/providers/Microsoft.Web/sites/contoso-shop", TargetKind.Site, DisplayName = "group with _ ( ) .")]
    public void TryParse_AppServiceIdInAnySpelling_OneCanonicalForm(string sent, string canonical, TargetKind kind)
    {
        Assert.IsTrue(ResourceIds.TryParse(sent, out var id, out var reason), reason);

        // Fixed segments in ARM's spelling, names lower-cased: one text for every spelling of one app.
        Assert.AreEqual(canonical, id!.Canonical);
        Assert.AreEqual(kind, id.Kind);
    }

    [TestMethod]
    [DataRow(Shop + "/../../sites/contoso-cpu", DisplayName = "dot segments walking to another app")]
    [DataRow(Shop + "/slots/../../contoso-cpu", DisplayName = "a slot that walks back to another site")]
    [DataRow(Shop + "/%2E%2E/%2E%2E/sites/contoso-cpu", DisplayName = "percent-encoded dots")]
    [DataRow(Shop + "%2F..%2F..%2Fsites%2Fcontoso-cpu", DisplayName = "percent-encoded slashes")]
    [DataRow(Shop + "?api-version=2020-01-01&x=/sites/contoso-cpu", DisplayName = "a query")]
    [DataRow(Shop + "#/sites/contoso-cpu", DisplayName = "a fragment")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web//sites/contoso-shop", DisplayName = "doubled slash")]
    [DataRow("//subscriptions/" + Sub + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop", DisplayName = "leading doubled slash")]
    [DataRow(Shop + "/", DisplayName = "trailing slash")]
    [DataRow(Shop + "\n", DisplayName = "trailing newline")]
    [DataRow(" " + Shop, DisplayName = "leading space")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/../providers/Microsoft.Web/sites/contoso-shop", DisplayName = "group '..'")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg./providers/Microsoft.Web/sites/contoso-shop", DisplayName = "group ending in '.'")]
    [DataRow("/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Web/sites/contoso-shop", DisplayName = "subscription not a GUID")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg/providers/Microsoft.Web/sites/a", DisplayName = "app name of one character")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg/providers/Microsoft.Web/sites/-shop", DisplayName = "app name starting with a hyphen")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg/providers/Microsoft.Web/sites/shop.prod", DisplayName = "dot in an app name")]
    [DataRow(Shop + "/config/web", DisplayName = "a child resource of the app")]
    [DataRow(Shop + "/slots/staging/slots/other", DisplayName = "a slot of a slot")]
    [DataRow("/subscriptions/" + Sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", DisplayName = "a virtual machine")]
    [DataRow("https://management.azure.com" + Shop, DisplayName = "a URL")]
    public void TryParse_AnythingElse_RefusedWithAReason(string sent)
    {
        Assert.IsFalse(ResourceIds.TryParse(sent, out var id, out var reason));

        Assert.IsNull(id);
        Assert.IsFalse(string.IsNullOrWhiteSpace(reason));
    }

    [TestMethod]
    public void TryParse_VirtualMachine_ReasonNamesItsType()
    {
        ResourceIds.TryParse("/subscriptions/" + Sub + "/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1", out _, out var reason);

        StringAssert.Contains(reason, "microsoft.compute/virtualmachines");
    }

    [TestMethod]
    public void EscapedPath_NameWithParentheses_EscapedSegmentByTheUrlRules()
    {
        ResourceIds.TryParse("/subscriptions/" + Sub + "/resourceGroups/rg(1)/providers/Microsoft.Web/sites/contoso-shop", out var id);

        Assert.AreEqual("/subscriptions/" + Sub + "/resourceGroups/rg%281%29/providers/Microsoft.Web/sites/contoso-shop", id!.EscapedPath);
    }
}
