using AutoRemediate.Incidents;

namespace AutoRemediate.Core.Tests.Incidents;

[TestClass]
public sealed class IncidentIdsTests
{
    private const string Site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Web/sites/app1";
    private static readonly DateTimeOffset s_fired = new(2025, 4, 15, 18, 17, 12, TimeSpan.Zero);

    [TestMethod]
    public void InstanceIdFor_SameAppAnyCase_SameId()
    {
        Assert.AreEqual(IncidentIds.InstanceIdFor(Site), IncidentIds.InstanceIdFor(Site.ToLowerInvariant() + "/"));
    }

    [TestMethod]
    public void InstanceIdFor_OtherApp_OtherId()
    {
        Assert.AreNotEqual(IncidentIds.InstanceIdFor(Site), IncidentIds.InstanceIdFor(Site.Replace("app1", "app2", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void InstanceIdFor_AnyApp_IsAValidTableKey()
    {
        var id = IncidentIds.InstanceIdFor(Site);

        Assert.MatchesRegex(@"^remediate-[0-9a-f]{32}$", id);
    }

    [TestMethod]
    public void IncidentIdFor_SameAlertDeliveredTwice_SameId()
    {
        Assert.AreEqual(IncidentIds.IncidentIdFor("alert-1", Site, s_fired), IncidentIds.IncidentIdFor("ALERT-1", Site.ToUpperInvariant(), s_fired));
    }

    [TestMethod]
    public void IncidentIdFor_RefiredLater_NewId()
    {
        Assert.AreNotEqual(IncidentIds.IncidentIdFor("alert-1", Site, s_fired), IncidentIds.IncidentIdFor("alert-1", Site, s_fired.AddMinutes(30)));
    }

    [TestMethod]
    public void IncidentIdFor_Any_IsWellFormedAndDated()
    {
        var id = IncidentIds.IncidentIdFor("alert-1", Site, s_fired);

        Assert.IsTrue(IncidentIds.IsWellFormed(id));
        Assert.StartsWith("inc-20250415-", id);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("inc-2025-xyz")]
    [DataRow("inc-20250415-0123456789ABCDEF")]
    [DataRow("../etc/passwd")]
    public void IsWellFormed_Garbage_False(string? id)
    {
        Assert.IsFalse(IncidentIds.IsWellFormed(id));
    }
}
