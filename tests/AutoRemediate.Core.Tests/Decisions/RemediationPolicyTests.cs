using System.ComponentModel.DataAnnotations;
using AutoRemediate.Actions;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;

namespace AutoRemediate.Core.Tests.Decisions;

/// <summary>The decision table: evidence and policy in, plan and reason out.</summary>
[TestClass]
public sealed class RemediationPolicyTests
{
    private const string App = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Web/sites/shop";
    private static readonly DateTimeOffset s_now = new(2025, 11, 26, 14, 0, 0, TimeSpan.Zero); // a Wednesday

    private static InstanceEvidence Ok(string id) => new(id, 40, 20, 0, true);

    private static DecisionInput Input(
        IReadOnlyList<InstanceEvidence>? instances = null, PlatformEvidence? platform = null, PlanEvidence? plan = null,
        string[]? metrics = null, double? queue = null, IReadOnlyList<PastAction>? actions = null, int fleetActions = 0, DateTimeOffset? now = null,
        string[]? breaching = null, PlanKind[]? tried = null) =>
        new(App, now ?? s_now, metrics ?? ["MemoryWorkingSet"], platform ?? new PlatformEvidence(false, false, 1),
            instances ?? [Ok("i0"), Ok("i1")], plan ?? new PlanEvidence("P1v3", 2, 10), queue, actions ?? [], fleetActions, breaching, tried, "inc-this");

    private static PolicyOptions Policy(Action<PolicyOptions>? change = null)
    {
        var policy = new PolicyOptions();
        change?.Invoke(policy);
        return policy;
    }

    // Each case: name → (input, policy). The table below states the expected plan and a phrase of the reason.
    private static readonly Dictionary<string, (DecisionInput Input, PolicyOptions Policy)> s_cases = new()
    {
        ["platform: resource health"] = (Input(platform: new(true, false, 1), instances: [new("i0", 95, 20, 10, false), Ok("i1")]), Policy()),
        ["platform: service health"] = (Input(platform: new(false, true, 1), instances: [new("i0", 95, 20, 10, true), new("i1", 95, 20, 10, true)]), Policy()),
        ["platform: fleet breaker"] = (Input(platform: new(false, false, 12), instances: [new("i0", 95, 20, 10, true), new("i1", 95, 20, 10, true)]), Policy()),
        ["platform: fleet breaker tripped by the check"] = (Input(platform: new(false, false, 3, FleetBreakerTripped: true), instances: [new("i0", 95, 20, 10, true), new("i1", 95, 20, 10, true)]), Policy()),
        ["platform: incomplete, restart"] = (Input(platform: new(false, false, 1, Incomplete: "Resource Health could not be read"), instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]), Policy()),
        ["platform: incomplete, auto-approved restart"] = (Input(platform: new(false, false, 1, Incomplete: "the Service Health notices could not be read"),
            instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]), Policy(p => p.AutoApprovedPlans.Add(PlanKind.RestartApp))),
        ["platform: incomplete, auto-approved scale-out beyond autoscale max"] = (Input(platform: new(false, false, 1, Incomplete: "the platform check did not complete"),
            instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("P1v3", 5, 10, 2, 5), metrics: ["CpuPercentage"]), Policy(p => p.AutoApprovedPlans.Add(PlanKind.ScaleOut))),
        ["platform: incomplete, next rung"] = (Input(platform: new(false, false, 1, Incomplete: "the apps alerting lately could not be counted"), tried: [PlanKind.RestartApp]),
            Policy(p => p.AutoApprovedPlans.Add(PlanKind.ScaleOut))),
        ["platform: fleet below breaker"] = (Input(platform: new(false, false, 9), instances: [new("i0", 95, 20, 10, true), new("i1", 95, 20, 10, true)]), Policy()),
        ["memory high everywhere"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]), Policy()),
        ["memory high, threshold raised"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]), Policy(p => p.MemoryHighPercent = 95)),
        ["memory alert, no instance data"] = (Input(instances: []), Policy()),
        ["one bad instance: health"] = (Input(instances: [new("bad-instance-000", 40, 20, 50, false), Ok("i1"), Ok("i2")]), Policy()),
        ["one bad instance: memory"] = (Input(instances: [new("i0", 97, 20, 0, true), Ok("i1"), Ok("i2")]), Policy()),
        ["single instance unhealthy"] = (Input(instances: [new("i0", 40, 20, 50, false)]), Policy()),
        ["crash loop with 5xx"] = (Input(instances: [new("i0", 40, 20, 30, true, 5), new("i1", 40, 20, 30, true, 4)], metrics: ["Http5xx"]), Policy()),
        ["recycling without 5xx"] = (Input(instances: [new("i0", 40, 20, 0, true, 1), new("i1", 40, 20, 0, true, 2)], metrics: ["Http5xx"]), Policy()),
        ["cpu high everywhere"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], metrics: ["CpuPercentage"]), Policy()),
        ["cpu high on one only"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 30, 0, true)], metrics: ["CpuPercentage"]), Policy()),
        ["http queue high"] = (Input(metrics: ["HttpQueueLength"], queue: 250), Policy()),
        ["cpu high at instance limit"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("P1v3", 10, 10), metrics: ["CpuPercentage"]), Policy()),
        ["cpu high at policy limit"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("P1v3", 4, 30), metrics: ["CpuPercentage"]), Policy(p => p.MaxInstanceCount = 4)),
        ["cpu high, top sku"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("P3v3", 10, 10), metrics: ["CpuPercentage"]), Policy()),
        ["cpu high, sku off ladder"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("S1", 10, 10), metrics: ["CpuPercentage"]), Policy()),
        ["cpu high, custom ladder"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("S1", 10, 10), metrics: ["CpuPercentage"]), Policy(p => { p.AllowedSkus.Add("S1"); p.AllowedSkus.Add("S2"); })),
        ["scale-out beyond autoscale max"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("P1v3", 5, 10, 2, 5), metrics: ["CpuPercentage"]), Policy()),
        ["nothing explains it"] = (Input(metrics: ["HttpResponseTime"]), Policy()),
        ["several unhealthy, no cause"] = (Input(instances: [new("i0", 40, 20, 5, false), new("i1", 40, 20, 5, false), Ok("i2")], metrics: ["HealthCheckStatus"]), Policy()),
        ["cooldown"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)], actions: [new(s_now.AddMinutes(-10), PlanKind.RestartApp, App)]), Policy()),
        ["cooldown over"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)], actions: [new(s_now.AddMinutes(-45), PlanKind.RestartApp, App)]), Policy()),
        ["other app's action ignored"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)], actions: [new(s_now.AddMinutes(-1), PlanKind.RestartApp, App + "-other")]), Policy()),
        ["daily limit"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)],
            actions: [new(s_now.AddHours(-20), PlanKind.RestartApp, App), new(s_now.AddHours(-10), PlanKind.RestartApp, App), new(s_now.AddHours(-2), PlanKind.ScaleOut, App)]), Policy()),
        ["fleet concurrency"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)], fleetActions: 5), Policy()),
        ["freeze window"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]),
            Policy(p => p.FreezeWindows.Add(new FreezeWindow { Name = "release freeze", Start = TimeSpan.FromHours(13), End = TimeSpan.FromHours(15) }))),
        ["freeze window other day"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]),
            Policy(p => { var w = new FreezeWindow { Start = TimeSpan.FromHours(13), End = TimeSpan.FromHours(15) }; w.Days.Add(DayOfWeek.Friday); p.FreezeWindows.Add(w); })),
        ["freeze past midnight"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)], now: s_now.Date.AddHours(1)),
            Policy(p => p.FreezeWindows.Add(new FreezeWindow { Name = "nightly batch", Start = TimeSpan.FromHours(22), End = TimeSpan.FromHours(2) }))),
        ["dry run"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]), Policy(p => p.DryRun = true)),
        ["auto-approved restart"] = (Input(instances: [new("i0", 92, 30, 0, true), new("i1", 90, 30, 0, true)]), Policy(p => p.AutoApprovedPlans.Add(PlanKind.RestartApp))),
        ["memory alert still breaching"] = (Input(breaching: ["MemoryWorkingSet"]), Policy()),
        ["cpu alert still breaching only"] = (Input(metrics: ["CpuTime"], breaching: ["CpuTime"]), Policy()),
        ["next rung after a restart"] = (Input(instances: [new("i0", 40, 45, 240, false, 50), new("i1", 40, 45, 240, false, 50)], metrics: ["Http5xx"], tried: [PlanKind.RestartApp],
            actions: [new(s_now.AddMinutes(-2), PlanKind.RestartApp, App, "inc-this")]), Policy(p => p.AutoApprovedPlans.Add(PlanKind.ScaleOut))),
        ["next rung at the instance limit"] = (Input(plan: new("P1v3", 10, 10), tried: [PlanKind.RestartInstance]), Policy()),
        ["ladder exhausted"] = (Input(tried: [PlanKind.RestartApp, PlanKind.ScaleOut]), Policy()),
        ["next rung, other incident's action in cooldown"] = (Input(tried: [PlanKind.RestartApp],
            actions: [new(s_now.AddMinutes(-5), PlanKind.RestartApp, App, "inc-other")]), Policy()),
        ["scale-out inside autoscale range"] = (Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: new("S1", 2, 10, 2, 5), metrics: ["CpuPercentage"]),
            Policy(p => { p.AllowedSkus.Add("S1"); p.AllowedSkus.Add("S2"); })),
    };

    [TestMethod]
    [DataRow("platform: resource health", PlanKind.Escalate, "Resource Health")]
    [DataRow("platform: service health", PlanKind.Escalate, "Service Health incident")]
    [DataRow("platform: fleet breaker", PlanKind.Escalate, "fleet breaker")]
    [DataRow("platform: fleet breaker tripped by the check", PlanKind.Escalate, "fleet breaker")]
    [DataRow("platform: incomplete, restart", PlanKind.RestartApp, "Memory is high")]
    [DataRow("platform: fleet below breaker", PlanKind.RestartApp, "Memory is high")]
    [DataRow("memory high everywhere", PlanKind.RestartApp, "memory at 92% on 2 of 2")]
    [DataRow("memory high, threshold raised", PlanKind.Escalate, "Nothing in the evidence")]
    [DataRow("memory alert, no instance data", PlanKind.RestartApp, "the alert is about memory")]
    [DataRow("one bad instance: health", PlanKind.RestartInstance, "Only instance bad-inst of 3")]
    [DataRow("one bad instance: memory", PlanKind.RestartInstance, "memory 97%")]
    [DataRow("single instance unhealthy", PlanKind.RestartApp, "The app's only instance is unhealthy")]
    [DataRow("crash loop with 5xx", PlanKind.RestartApp, "keeps recycling (5 restarts")]
    [DataRow("recycling without 5xx", PlanKind.Escalate, "Nothing in the evidence")]
    [DataRow("cpu high everywhere", PlanKind.ScaleOut, "adding one instance (2 → 3)")]
    [DataRow("cpu high on one only", PlanKind.Escalate, "Nothing in the evidence")]
    [DataRow("http queue high", PlanKind.ScaleOut, "HTTP queue is long (250")]
    [DataRow("cpu high at instance limit", PlanKind.ScaleUp, "P1v3 → P2v3")]
    [DataRow("cpu high at policy limit", PlanKind.ScaleUp, "instance limit (4)")]
    [DataRow("cpu high, top sku", PlanKind.Escalate, "P3v3 is the largest allowed SKU")]
    [DataRow("cpu high, sku off ladder", PlanKind.Escalate, "S1 is not on the allowed SKU ladder")]
    [DataRow("cpu high, custom ladder", PlanKind.ScaleUp, "S1 → S2")]
    [DataRow("scale-out beyond autoscale max", PlanKind.ScaleOut, "5 → 6")]
    [DataRow("nothing explains it", PlanKind.Escalate, "Nothing in the evidence explains the alert")]
    [DataRow("several unhealthy, no cause", PlanKind.RestartApp, "2 of 3 instances are unhealthy")]
    [DataRow("cooldown", PlanKind.Escalate, "within the 30 min cooldown")]
    [DataRow("cooldown over", PlanKind.RestartApp, "Memory is high")]
    [DataRow("other app's action ignored", PlanKind.RestartApp, "Memory is high")]
    [DataRow("daily limit", PlanKind.Escalate, "3 actions in the last 24 hours")]
    [DataRow("fleet concurrency", PlanKind.Escalate, "5 actions are already running")]
    [DataRow("freeze window", PlanKind.Escalate, "inside the release freeze")]
    [DataRow("freeze window other day", PlanKind.RestartApp, "Memory is high")]
    [DataRow("freeze past midnight", PlanKind.Escalate, "inside the nightly batch")]
    [DataRow("dry run", PlanKind.RestartApp, "Dry-run mode")]
    [DataRow("auto-approved restart", PlanKind.RestartApp, "Memory is high")]
    [DataRow("memory alert still breaching", PlanKind.RestartApp, "MemoryWorkingSet is still above the alert's threshold")]
    [DataRow("cpu alert still breaching only", PlanKind.Escalate, "Nothing in the evidence")]
    [DataRow("next rung after a restart", PlanKind.ScaleOut, "did not recover after a restart of the app")]
    [DataRow("next rung at the instance limit", PlanKind.ScaleUp, "did not recover after a restart of one instance")]
    [DataRow("ladder exhausted", PlanKind.Escalate, "nothing further is in the policy's ladder")]
    [DataRow("next rung, other incident's action in cooldown", PlanKind.Escalate, "within the 30 min cooldown")]
    [DataRow("scale-out inside autoscale range", PlanKind.ScaleOut, "adding one instance (2 → 3)")]
    public void Decide_Table(string name, PlanKind plan, string reason)
    {
        var (input, policy) = s_cases[name];

        var decision = RemediationPolicy.Decide(input, policy);

        Assert.AreEqual(plan, decision.Plan, decision.Reason);
        StringAssert.Contains(decision.Reason, reason);
    }

    [TestMethod]
    public void Decide_EveryCaseIsInTheTable() => Assert.IsGreaterThanOrEqualTo(25, s_cases.Count);

    [TestMethod]
    public void Decide_Actions_NeedApprovalUnlessAutoApprovedOrDryRun()
    {
        Assert.IsTrue(RemediationPolicy.Decide(s_cases["memory high everywhere"].Input, Policy()).NeedsApproval);
        Assert.IsFalse(RemediationPolicy.Decide(s_cases["auto-approved restart"].Input, s_cases["auto-approved restart"].Policy).NeedsApproval);
        var dry = RemediationPolicy.Decide(s_cases["dry run"].Input, s_cases["dry run"].Policy);
        Assert.IsTrue(dry.DryRun);
        Assert.IsFalse(dry.NeedsApproval);
    }

    [TestMethod]
    [DataRow("platform: incomplete, restart", "Resource Health could not be read", 1)]
    [DataRow("platform: incomplete, auto-approved restart", "the Service Health notices could not be read", 1)]
    [DataRow("platform: incomplete, auto-approved scale-out beyond autoscale max", "the platform check did not complete", 2)]
    [DataRow("platform: incomplete, next rung", "the apps alerting lately could not be counted", 1)]
    public void Decide_PlatformVerdictIncomplete_APersonApprovesEvenWhereConfigurationWouldAndIsToldWhy(string name, string why, int warnings)
    {
        var (input, policy) = s_cases[name];

        var decision = RemediationPolicy.Decide(input, policy);

        Assert.AreNotEqual(PlanKind.Escalate, decision.Plan, decision.Reason);
        Assert.IsTrue(decision.NeedsApproval, "approval is needed even for a plan in AutoApprovedPlans");
        Assert.IsNotNull(decision.NotByConfiguration, "Workflow:AutoApprove does not approve it either");
        Assert.HasCount(warnings, decision.Warnings!, "the plan's own warnings are kept");
        StringAssert.Contains(decision.Warnings![^1], $"The platform check is incomplete ({why})");
        StringAssert.Contains(RemediationPolicy.Describe(decision), "a person approves this plan");
    }

    [TestMethod]
    public void Decide_PlatformVerdictComplete_AutoApprovedPlanNeedsNoPerson()
    {
        var (input, policy) = s_cases["auto-approved restart"];

        var decision = RemediationPolicy.Decide(input, policy);

        Assert.IsFalse(decision.NeedsApproval);
        Assert.IsNull(decision.NotByConfiguration);
        Assert.IsNull(decision.Warnings);
    }

    [TestMethod]
    public void Decide_NextRung_AlwaysGoesBackToPeople()
    {
        var (input, policy) = s_cases["next rung after a restart"];

        var decision = RemediationPolicy.Decide(input, policy);

        Assert.IsTrue(decision.NeedsApproval, "a second action needs approval even when the plan is auto-approved");
        Assert.AreEqual(3, decision.NewCapacity);
    }

    [TestMethod]
    public void Decide_ScaleOutInsideAutoscaleRange_StillWarnsThatAutoscaleMayUndoIt()
    {
        var decision = RemediationPolicy.Decide(s_cases["scale-out inside autoscale range"].Input, s_cases["scale-out inside autoscale range"].Policy);

        StringAssert.Contains(decision.Warnings!.Single(), "scale-in rules may undo this scale-out");
    }

    [TestMethod]
    public void Decide_BlockedByGuardrail_KeepsWhatWasProposed()
    {
        var decision = RemediationPolicy.Decide(s_cases["cooldown"].Input, s_cases["cooldown"].Policy);

        Assert.AreEqual("Cooldown", decision.BlockedBy);
        Assert.AreEqual(PlanKind.RestartApp, decision.Proposed);
    }

    [TestMethod]
    public void Decide_DumpBeforeRestarts_AndTheInstanceForRestartInstance()
    {
        Assert.IsTrue(RemediationPolicy.Decide(s_cases["memory high everywhere"].Input, Policy()).DumpFirst);
        var one = RemediationPolicy.Decide(s_cases["one bad instance: health"].Input, Policy());
        Assert.IsTrue(one.DumpFirst);
        Assert.AreEqual("bad-instance-000", one.InstanceId);
        Assert.IsFalse(RemediationPolicy.Decide(s_cases["cpu high everywhere"].Input, Policy()).DumpFirst);
    }

    // Low-risk plans go ahead when nobody answers in time; nothing else does.
    [TestMethod]
    [DataRow("memory high everywhere", true, DisplayName = "low-risk restart, first rung: proceeds on timeout")]
    [DataRow("platform: incomplete, restart", false, DisplayName = "low-risk restart on an incomplete platform verdict: a person must decide")]
    [DataRow("next rung at the instance limit", false, DisplayName = "a further rung never proceeds by itself")]
    [DataRow("cooldown", false, DisplayName = "a blocked plan is an escalation")]
    [DataRow("cpu high everywhere", false, DisplayName = "a plan not marked low-risk")]
    public void Decide_LowRiskPlans_ProceedOnTimeoutOnlyForAFirstRungAPersonMayLeave(string name, bool proceeds)
    {
        var decision = RemediationPolicy.Decide(s_cases[name].Input, Policy(p => { p.LowRiskPlans.Add(PlanKind.RestartApp); p.LowRiskPlans.Add(PlanKind.ScaleUp); }));

        Assert.AreEqual(proceeds, decision.ProceedOnTimeout, decision.Reason);
        Assert.IsFalse(RemediationPolicy.Decide(s_cases[name].Input, Policy()).ProceedOnTimeout, "without Policy:LowRiskPlans nothing proceeds on timeout");
    }

    [TestMethod]
    public void Decide_ScaleOutBeyondAutoscale_WarnsApprovers()
    {
        var decision = RemediationPolicy.Decide(s_cases["scale-out beyond autoscale max"].Input, Policy());

        Assert.AreEqual(6, decision.NewCapacity);
        StringAssert.Contains(decision.Warnings!.Single(), "autoscale setting (range 2-5)");
    }

    // A scale step changes every app on the plan: "shop" shares it with the apps listed. Scope configured = an outside list (maybe empty).
    [TestMethod]
    [DataRow("shop", null, false, false, null, DisplayName = "no scope, plan of its own: configuration approves")]
    [DataRow("shop,reports", null, false, false, null, DisplayName = "no scope, shared plan: configuration approves, warning names the others")]
    [DataRow("shop,reports", "", false, false, null, DisplayName = "scope, every app inside: configuration approves")]
    [DataRow("shop,reports,billing", "billing", false, true, "outside the configured scope (billing)", DisplayName = "scope, one app outside: a person approves")]
    [DataRow(null, "", true, true, "could not be listed", DisplayName = "scope, the plan's apps unreadable: a person approves")]
    [DataRow(null, null, true, false, null, DisplayName = "no scope, the plan's apps unreadable: configuration approves")]
    public void Decide_ScaleOnSharedPlan_ConfigurationApprovesOnlyWhenEveryAppIsInScope(string? apps, string? outside, bool appsUnknown, bool personOnly, string? reason)
    {
        var plan = new PlanEvidence("P1v3", 2, 10, Apps: apps?.Split(','), AppsOutsideScope: outside is null ? null : outside.Split(',', StringSplitOptions.RemoveEmptyEntries),
            AppsUnknown: appsUnknown ? "The apps on the plan could not be listed (403 AuthorizationFailed); a scale step changes every app on it." : null);
        var input = Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: plan, metrics: ["CpuPercentage"]);

        var decision = RemediationPolicy.Decide(input, Policy(p => p.AutoApprovedPlans.Add(PlanKind.ScaleOut)));

        Assert.AreEqual(PlanKind.ScaleOut, decision.Plan, decision.Reason);
        Assert.AreEqual(personOnly, decision.NeedsApproval, decision.Reason);
        Assert.AreEqual(personOnly, decision.NotByConfiguration is not null, "Workflow:AutoApprove may not approve it either");
        if (reason is not null)
        {
            StringAssert.Contains(decision.Reason, reason);
            StringAssert.Contains(decision.NotByConfiguration, reason);
        }

        Assert.AreEqual(apps?.Contains("reports", StringComparison.Ordinal) == true, decision.Warnings?.Any(w => w.Contains("also runs reports", StringComparison.Ordinal)) == true,
            "the warning names the other apps, never the app itself");
        Assert.IsFalse(decision.Warnings?.Any(w => w.Contains("runs shop", StringComparison.Ordinal)) == true);
    }

    [TestMethod]
    public void Decide_NextRungOnPlanSharedOutsideScope_NotApprovableByConfiguration()
    {
        var input = Input(tried: [PlanKind.RestartApp], plan: new PlanEvidence("P1v3", 2, 10, Apps: ["shop", "billing"], AppsOutsideScope: ["billing"]));

        var decision = RemediationPolicy.Decide(input, Policy(p => p.AutoApprovedPlans.Add(PlanKind.ScaleOut)));

        Assert.AreEqual(PlanKind.ScaleOut, decision.Plan);
        StringAssert.Contains(decision.NotByConfiguration, "billing");
    }

    [TestMethod]
    public void Decide_ScaleOutWithAutoscaleUnknown_ScalesAndWarnsThatTheAutoscaleStateIsUnknown()
    {
        var plan = new PlanEvidence("P1v3", 2, 10, AutoscaleUnknown: "Autoscale unknown: the plan's autoscale settings could not be read (403 AuthorizationFailed).");
        var input = Input(instances: [new("i0", 50, 95, 0, true), new("i1", 50, 90, 0, true)], plan: plan, metrics: ["CpuPercentage"]);

        var decision = RemediationPolicy.Decide(input, Policy());

        Assert.AreEqual(PlanKind.ScaleOut, decision.Plan, decision.Reason);
        Assert.AreEqual(3, decision.NewCapacity);
        StringAssert.Contains(decision.Warnings!.Single(), "autoscale state of this plan is unknown");
    }

    [TestMethod]
    public void PolicyOptions_InvalidConfiguration_ClearErrors()
    {
        var policy = Policy(p =>
        {
            p.AllowedSkus.Add("P1v3");
            p.AllowedSkus.Add("p1v3");
            p.FreezeWindows.Add(new FreezeWindow { Start = TimeSpan.FromHours(3), End = TimeSpan.FromHours(3) });
            p.AutoApprovedPlans.Add(PlanKind.Escalate);
            p.MemoryHighPercent = 150;
        });
        var results = new List<ValidationResult>();

        Assert.IsFalse(Validator.TryValidateObject(policy, new ValidationContext(policy), results, validateAllProperties: true));
        // DataAnnotations stops before IValidatableObject when a property fails: check both layers.
        StringAssert.Contains(results.Single().ErrorMessage, "MemoryHighPercent");
        policy.MemoryHighPercent = 85;
        var errors = policy.Validate(new ValidationContext(policy)).Select(r => r.ErrorMessage).ToArray();
        Assert.HasCount(3, errors);
        Assert.IsTrue(errors.Any(e => e!.Contains("AllowedSkus", StringComparison.Ordinal)));
        Assert.IsTrue(errors.Any(e => e!.Contains("FreezeWindows:0", StringComparison.Ordinal)));
        Assert.IsTrue(errors.Any(e => e!.Contains("AutoApprovedPlans", StringComparison.Ordinal)));
    }
}
