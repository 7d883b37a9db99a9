using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Notify;
using AutoRemediate.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Decisions;

/// <summary>Issue 13 point 3: restarts that keep coming back are named as the problem they hide.</summary>
[TestClass]
public sealed class RecurrenceTests
{
    private const string App = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Web/sites/shop";
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 14, 0, 0, TimeSpan.Zero);

    // Memory high on every instance: the policy's answer is a restart of the app.
    private static DecisionInput Input(IReadOnlyList<PastAction> actions, string incidentId = "inc-20261130-000000000000000f") =>
        new(App, s_now, ["MemoryWorkingSet"], new PlatformEvidence(false, false, 1),
            [new InstanceEvidence("i0", 92, 30, 0, true), new InstanceEvidence("i1", 90, 30, 0, true)], new PlanEvidence("P1v3", 2, 10), null, actions, 0, null, null, incidentId);

    private static PastAction Restart(double daysAgo, int incident, PlanKind plan = PlanKind.RestartApp, string target = App) =>
        new(s_now.AddDays(-daysAgo), plan, target, $"inc-20261120-{incident:x16}");

    private static PolicyOptions AutoApprovingRestarts()
    {
        var policy = new PolicyOptions();
        policy.AutoApprovedPlans.Add(PlanKind.RestartApp);
        return policy;
    }

    [TestMethod]
    public void Decide_FourRestartsInSevenDays_SaysSoAndAPersonDecides()
    {
        var actions = new[] { Restart(6.5, 1), Restart(4, 2), Restart(2, 3, PlanKind.RestartInstance), Restart(1.5, 4) };

        var decision = RemediationPolicy.Decide(Input(actions), AutoApprovingRestarts());

        Assert.AreEqual(PlanKind.RestartApp, decision.Plan);
        StringAssert.Contains(decision.Reason, "Restarts are hiding a problem: 4 restarts in 7 days");
        StringAssert.Contains(decision.Reason, "inc-20261120-0000000000000004, inc-20261120-0000000000000003, inc-20261120-0000000000000002, inc-20261120-0000000000000001");
        Assert.IsTrue(decision.NeedsApproval, "a restart that keeps coming back is not auto-approved");
        Assert.IsFalse(decision.ProceedOnTimeout);
        StringAssert.Contains(decision.NotByConfiguration, "a person decides whether another restart helps");
        Assert.AreEqual(4, decision.Recurrence!.Restarts);
    }

    [TestMethod]
    [DataRow("three restarts: not more than the setting", new[] { 6.0, 4.0, 2.0 }, DisplayName = "three restarts")]
    [DataRow("one of four is older than the period", new[] { 8.0, 4.0, 2.0, 1.5 }, DisplayName = "one too old")]
    public void Decide_NotMoreThanTheSettingInThePeriod_NoRecurrenceAndConfigurationApplies(string why, double[] daysAgo)
    {
        var actions = daysAgo.Select((d, i) => Restart(d, i + 1)).ToArray();

        var decision = RemediationPolicy.Decide(Input(actions), AutoApprovingRestarts());

        Assert.IsNull(decision.Recurrence, why);
        Assert.IsFalse(decision.NeedsApproval, why);
        Assert.DoesNotContain("hiding a problem", decision.Reason);
    }

    [TestMethod]
    public void Decide_ScalesOtherAppsAndThisIncidentsOwnRestart_DoNotCount()
    {
        var actions = new[]
        {
            Restart(3, 1), Restart(2, 2), Restart(1.5, 3),
            Restart(1, 4, PlanKind.ScaleOut),
            Restart(1, 5, target: App + "-other"),
            new PastAction(s_now.AddHours(-1), PlanKind.RestartApp, App, "inc-20261130-000000000000000f"),
        };

        Assert.IsNull(RemediationPolicy.Decide(Input(actions), AutoApprovingRestarts()).Recurrence);
    }

    [TestMethod]
    public void Decide_SettingsChangeTheCount()
    {
        var policy = AutoApprovingRestarts();
        policy.RecurrenceAfterRestarts = 1;
        policy.RecurrencePeriod = TimeSpan.FromDays(2);

        var decision = RemediationPolicy.Decide(Input([Restart(6, 1), Restart(1.5, 2), Restart(1, 3)]), policy);

        StringAssert.Contains(decision.Reason, "Restarts are hiding a problem: 2 restarts in 2 days");
    }

    // The activity reads the journal for the whole period (not only the last day), records the words on the
    // incident and the PlanChosen entry, against Azurite.
    [TestMethod]
    public async Task DecideActivity_JournalWithFourRestartsThisWeek_IncidentAndTimelineSaySo()
    {
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var service = new TableServiceClient(AzuriteFixture.ConnectionString);
        var journal = new TableActionJournal(service, Options.Create(new StorageOptions { ActionsTable = "Actions" + Guid.NewGuid().ToString("N")[..12] }));
        foreach (var (daysAgo, n) in new[] { (6.0, 1), (4.0, 2), (3.0, 3), (2.0, 4) })
        {
            var id = $"inc-20261120-{n:x16}";
            await journal.BeginAsync(new ActionRecord(ActionPlanner.ActionId(id, 1), id, App, PlanKind.RestartApp, ActionState.Started, s_now.AddDays(-daysAgo)));
            await journal.FinishAsync(App, id);
        }

        var incidentId = "inc-20261130-000000000000000f";
        await store.TryCreateAsync(new IncidentRecord(incidentId, App, "alert", "memory-high", "Sev2", IncidentStatus.Investigating, "deciding", s_now, s_now));
        var activities = new DecisionActivities(journal, store, Options.Create(new PolicyOptions()), TimeProvider.System);

        var decision = await activities.DecideAsync(new DecideRequest(Input([], incidentId), 5));

        Assert.AreEqual(4, decision.Recurrence!.Restarts);
        var incident = await store.GetAsync(incidentId);
        Assert.AreEqual("Restarts are hiding a problem: 4 restarts in 7 days", incident!.Recurrence);
        Assert.AreEqual("inc-20261120-0000000000000004", incident.EarlierIncidents![0]);
        var planChosen = (await store.GetTimelineAsync(incidentId)).Single(t => t.Kind == TimelineKinds.PlanChosen);
        StringAssert.Contains(planChosen.Message, "Restarts are hiding a problem: 4 restarts in 7 days");
        StringAssert.Contains(IncidentExport.Markdown(incident, await store.GetTimelineAsync(incidentId)), "Restarts are hiding a problem: 4 restarts in 7 days");
    }

    [TestMethod]
    public void ApprovalMail_RecurringRestart_BothPartsSaySoAndWhyAPersonDecides()
    {
        var decision = RemediationPolicy.Decide(Input([Restart(6, 1), Restart(4, 2), Restart(2, 3), Restart(1.5, 4)]), AutoApprovingRestarts());
        var request = new ApprovalMailRequest("inc-20261130-000000000000000f", "inc-20261130-000000000000000f-r1", 7, s_now, App,
            new MailAlert("memory-high", "Sev2", s_now.AddMinutes(-5), null), decision, s_now.AddMinutes(30), [], "2 instances", null, []);

        var mail = ApprovalMail.Request(request, ApprovalLinkRoutes.For(new Uri("https://remediate.example.net/"), "AbCdEfGhIjKlMnOpQrStUv"), "483920");

        foreach (var part in new[] { mail.Html, mail.Text })
        {
            Assert.Contains("Restarts are hiding a problem: 4 restarts in 7 days", part);
            Assert.Contains("a person decides whether another restart helps", part);
        }
    }
}
