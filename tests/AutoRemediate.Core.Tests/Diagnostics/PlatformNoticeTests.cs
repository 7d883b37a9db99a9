using AutoRemediate.Diagnostics;

namespace AutoRemediate.Core.Tests.Diagnostics;

/// <summary>A Service Health notice counts against an app only when it is an open incident about App Service, in the app's region, and still being updated.</summary>
[TestClass]
public sealed class PlatformNoticeTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_maxAge = TimeSpan.FromHours(24);

    [TestMethod]
    [DataRow("App Service", "West Europe, North Europe", "Incident", "Active", 1, "westeurope", true, DisplayName = "open App Service incident in the region")]
    [DataRow("App Service (Linux)", "westeurope", "Incident", null, 1, "West Europe", true, DisplayName = "Linux flavour, no stage, region spelled differently")]
    [DataRow("App Service \\ Web Apps", "Global", "Incident", "Active", 1, "eastus", true, DisplayName = "legacy service name, global")]
    [DataRow("Functions", "West Europe", "Incident", "Active", 1, "westeurope", true, DisplayName = "Functions run on App Service")]
    [DataRow("Virtual Machines", "West Europe", "Incident", "Active", 1, "westeurope", false, DisplayName = "another service in the region")]
    [DataRow("AzureServiceName", "Global", "Incident", "Active", 1, "westeurope", false, DisplayName = "another service, global")]
    [DataRow(null, "West Europe", "Incident", "Active", 1, "westeurope", false, DisplayName = "no service named")]
    [DataRow("App Service", "East US", "Incident", "Active", 1, "westeurope", false, DisplayName = "another region")]
    [DataRow("App Service", "West Europe", "Incident", "Resolved", 1, "westeurope", false, DisplayName = "resolved")]
    [DataRow("App Service", "West Europe", "Maintenance", "Active", 1, "westeurope", false, DisplayName = "planned maintenance")]
    [DataRow("App Service", "West Europe", "Incident", "Active", 23, "westeurope", true, DisplayName = "last update 23 h ago")]
    [DataRow("App Service", "West Europe", "Incident", "Active", 25, "westeurope", false, DisplayName = "no update for 25 h: stale")]
    public void CountsAgainst_Notice_OnlyOpenAppServiceInRegionAndFresh(string? service, string regions, string type, string? stage, int hoursOld, string appRegion, bool counts)
    {
        var notice = new PlatformNotice("7NBR-1X8", "title", service, regions, type, stage, s_now.AddHours(-hoursOld));
        Assert.AreEqual(counts, notice.CountsAgainst(appRegion, s_now, s_maxAge));
    }
}
