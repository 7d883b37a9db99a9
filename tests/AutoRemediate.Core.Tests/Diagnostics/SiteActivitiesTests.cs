using AutoRemediate.Diagnostics;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Core.Tests.Diagnostics;

/// <summary>The CollectPlan activity against the Sandbox over HTTPS: a least-privilege identity, and a plan shared by several apps.</summary>
[TestClass]
public sealed class SiteActivitiesTests
{
    private const string Subscription = "11111111-2222-3333-4444-555555555555";
    private const string PlanPrefix = "/subscriptions/" + Subscription + "/resourceGroups/rg-shop-prod/providers/Microsoft.Web/serverfarms/";

    // Only the subscription-wide list contains this text; the resource-group list has /resourceGroups/{rg} in between.
    private const string SubscriptionWideAutoscale = "/subscriptions/" + Subscription + "/providers/Microsoft.Insights/autoscalesettings";

    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await s_sandbox.DisposeAsync();

    [TestInitialize]
    public Task ResetAsync() => s_sandbox.ResetAsync();

    private static SiteActivities Activities(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        TestServices.AddCore(services, s_sandbox, TestServices.UniqueTables(), settings);
        return services.BuildServiceProvider().GetRequiredService<SiteActivities>();
    }

    private static Task ForbidAsync(string pathContains) =>
        s_sandbox.AddFaultAsync(new { method = "GET", pathContains, status = 403, errorCode = "AuthorizationFailed", times = 100 });

    [TestMethod]
    public async Task CollectPlan_SubscriptionWideAutoscaleListForbidden_KeepsThePlanAndSaysAutoscaleUnknown()
    {
        await ForbidAsync(SubscriptionWideAutoscale);

        var plan = await Activities().CollectPlanAsync(PlanPrefix + "plan-shop-prod");

        Assert.AreEqual("P1v3", plan.Sku);
        Assert.AreEqual(2, plan.Capacity);
        Assert.AreEqual(30, plan.MaximumWorkers);
        Assert.IsNull(plan.AutoscaleMaximum);
        Assert.IsNotNull(plan.AutoscaleUnknown, "no setting in the plan's group and the rest of the subscription unreadable: autoscale is unknown, not absent");
        StringAssert.Contains(plan.AutoscaleUnknown, "403");
        CollectionAssert.Contains(plan.Notes().ToList(), plan.AutoscaleUnknown);
    }

    [TestMethod]
    public async Task CollectPlan_LeastPrivilegeIdentity_FindsTheSettingInThePlansResourceGroup()
    {
        await ForbidAsync(SubscriptionWideAutoscale);

        var plan = await Activities().CollectPlanAsync(PlanPrefix + "plan-cpu-prod");

        Assert.AreEqual(2, plan.AutoscaleMinimum);
        Assert.AreEqual(5, plan.AutoscaleMaximum);
        Assert.IsNull(plan.AutoscaleUnknown);
        Assert.IsFalse(s_sandbox.Requests.Snapshot().Any(r => r.Path.Contains(SubscriptionWideAutoscale, StringComparison.OrdinalIgnoreCase)),
            "the setting was found in the plan's resource group: no subscription-wide read");
    }

    [TestMethod]
    public async Task CollectPlan_EveryAutoscaleReadFails_KeepsThePlanAndSaysAutoscaleUnknown()
    {
        await s_sandbox.AddFaultAsync(new { method = "GET", pathContains = "/Microsoft.Insights/autoscalesettings", status = 500, times = 100 });

        var plan = await Activities().CollectPlanAsync(PlanPrefix + "plan-cpu-prod");

        Assert.AreEqual("S1", plan.Sku);
        Assert.AreEqual(2, plan.Capacity);
        StringAssert.StartsWith(plan.AutoscaleUnknown, "Autoscale unknown");
    }

    [TestMethod]
    public async Task CollectPlan_SharedPlanUnderScope_NamesEveryAppAndThoseOutsideScope()
    {
        var activities = Activities(new Dictionary<string, string?>
        {
            ["Scope:AllowedResourceIds:0"] = SandboxFixture.SiteId("contoso-api"),
            ["Scope:AllowedResourceIds:1"] = PlanPrefix + "plan-api-prod",
        });

        var plan = await activities.CollectPlanAsync(PlanPrefix + "plan-api-prod");

        CollectionAssert.AreEquivalent(new[] { "contoso-api", "contoso-api-admin" }, plan.Apps!.ToArray());
        CollectionAssert.AreEqual(new[] { "contoso-api-admin" }, plan.AppsOutsideScope!.ToArray());
        Assert.IsNull(plan.AppsUnknown);
    }

    [TestMethod]
    public async Task CollectPlan_NoScope_NamesTheAppsAndNoneOutside()
    {
        var plan = await Activities().CollectPlanAsync(PlanPrefix + "plan-api-prod");

        CollectionAssert.AreEquivalent(new[] { "contoso-api", "contoso-api-admin" }, plan.Apps!.ToArray());
        Assert.IsNull(plan.AppsOutsideScope);
    }

    [TestMethod]
    public async Task CollectPlan_PlanAppsForbiddenUnderScope_KeepsThePlanAndSaysTheAppsAreUnknown()
    {
        await ForbidAsync("/serverfarms/plan-api-prod/sites");
        var activities = Activities(new Dictionary<string, string?> { ["Scope:AllowedResourceGroups:0"] = "/subscriptions/" + Subscription + "/resourceGroups/rg-shop-prod" });

        var plan = await activities.CollectPlanAsync(PlanPrefix + "plan-api-prod");

        Assert.AreEqual("P1v3", plan.Sku);
        Assert.IsNull(plan.Apps);
        Assert.IsEmpty(plan.AppsOutsideScope!);
        StringAssert.Contains(plan.AppsUnknown, "403");
    }
}
