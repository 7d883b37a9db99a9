using AutoRemediate.Incidents;

namespace AutoRemediate.Core.Tests.Incidents;

[TestClass]
public sealed class TableIncidentStoreTests
{
    private static readonly DateTimeOffset s_now = new(2025, 4, 15, 18, 17, 12, TimeSpan.Zero);

    private static IncidentRecord NewIncident(string id, string summary = "received") =>
        new(id, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app", "alert-1", "rule", "Sev2", IncidentStatus.Received, summary, s_now, s_now);

    [TestMethod]
    public async Task TryCreate_SameIdTwice_SecondIsRefusedAndFirstKept()
    {
        var store = TestServices.Store(TestServices.UniqueTables());

        Assert.IsTrue(await store.TryCreateAsync(NewIncident("inc-1", "first")));
        Assert.IsFalse(await store.TryCreateAsync(NewIncident("inc-1", "second")));

        var stored = await store.GetAsync("inc-1");
        Assert.AreEqual("first", stored!.Summary);
        Assert.AreEqual(IncidentStatus.Received, stored.Status);
    }

    // The incident's alerts resolve it only when every rule that fired into it has resolved; a rule that
    // fires again after resolving counts as firing again. The first rule is the one that opened it ("rule").
    [TestMethod]
    [DataRow(new[] { "rule" }, new string[0], true, "", DisplayName = "one rule, resolved")]
    [DataRow(new[] { "rule", "cpu-high" }, new[] { "rule" }, false, "cpu-high", DisplayName = "two rules, one resolved")]
    [DataRow(new[] { "rule", "cpu-high" }, new[] { "rule", "CPU-HIGH" }, true, "", DisplayName = "two rules, both resolved (names without case)")]
    [DataRow(new[] { "rule", "cpu-high", "5xx" }, new[] { "5xx", "5xx" }, false, "rule,cpu-high", DisplayName = "the same resolution delivered twice")]
    [DataRow(new[] { "rule" }, new[] { "never-fired" }, false, "rule", DisplayName = "a rule that never fired into it resolves nothing")]
    public async Task RecordResolved_Rules_AllResolvedOnlyWhenEveryRuleResolved(string[] fired, string[] resolvedBefore, bool allResolved, string stillFiring)
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.TryCreateAsync(NewIncident("inc-1"));
        foreach (var rule in fired.Skip(1))
        {
            await store.RecordRepeatAsync("inc-1", rule, s_now);
        }

        foreach (var rule in resolvedBefore)
        {
            await store.RecordResolvedAsync("inc-1", rule);
        }

        var last = await store.RecordResolvedAsync("inc-1", resolvedBefore.Length > 0 ? resolvedBefore[^1] : fired[0]);

        Assert.AreEqual(allResolved, last.AllResolved);
        Assert.AreEqual(stillFiring, string.Join(",", last.StillFiring));
    }

    [TestMethod]
    public async Task RecordResolved_RuleFiresAgainAfterResolving_FiringAgain()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.TryCreateAsync(NewIncident("inc-1"));
        await store.RecordRepeatAsync("inc-1", "cpu-high", s_now);
        Assert.IsFalse((await store.RecordResolvedAsync("inc-1", "rule")).AllResolved);

        await store.RecordRepeatAsync("inc-1", "rule", s_now.AddMinutes(5));
        var after = await store.RecordResolvedAsync("inc-1", "cpu-high");

        Assert.IsFalse(after.AllResolved, "'rule' fired again after it resolved");
        CollectionAssert.AreEqual(new[] { "rule" }, after.StillFiring.ToArray());
    }

    [TestMethod]
    public async Task Get_Unknown_Null()
    {
        var store = TestServices.Store(TestServices.UniqueTables());

        Assert.IsNull(await store.GetAsync("inc-missing"));
    }

    [TestMethod]
    public async Task UpdateStatus_Closed_ReadsBackClosed()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.TryCreateAsync(NewIncident("inc-2"));

        await store.UpdateStatusAsync("inc-2", IncidentStatus.Escalated, "handed over", s_now.AddMinutes(1));

        var stored = await store.GetAsync("inc-2");
        Assert.AreEqual(IncidentStatus.Escalated, stored!.Status);
        Assert.IsTrue(stored.IsClosedAt(s_now.AddMinutes(1)));
        Assert.AreEqual("handed over", stored.Summary);
        Assert.AreEqual(s_now.AddMinutes(1), stored.UpdatedAt);
        Assert.AreEqual(s_now, stored.CreatedAt);
    }

    [TestMethod]
    public async Task AppendTimeline_RetriedAndOutOfOrder_OneRowPerSequenceInOrder()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.AppendTimelineAsync(new TimelineEntry("inc-3", 10, s_now, "Later", "ten"));
        await store.AppendTimelineAsync(new TimelineEntry("inc-3", 2, s_now, "Second", "two"));
        await store.AppendTimelineAsync(new TimelineEntry("inc-3", 2, s_now, "Second", "two, retried"));
        await store.AppendTimelineAsync(new TimelineEntry("inc-other", 1, s_now, "Other", "other incident"));

        var timeline = await store.GetTimelineAsync("inc-3");

        CollectionAssert.AreEqual(new[] { 2, 10 }, timeline.Select(t => t.Sequence).ToArray());
        Assert.AreEqual("two, retried", timeline[0].Message);
    }

    // An activity's entries go in one request an incident: more than one transaction holds (100 rows), a sequence given
    // twice keeps its last message, a rerun of the same list leaves the same rows, and another incident's entries in the
    // same list land in its own timeline.
    [TestMethod]
    public async Task AppendTimeline_ListOfEntries_EveryEntryOnceInOrderAndARerunLeavesTheSame()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        var entries = Enumerable.Range(1, 150).Select(i => new TimelineEntry("inc-4", i, s_now, "Step", $"step {i}"))
            .Append(new TimelineEntry("inc-4", 7, s_now, "Step", "step 7, again"))
            .Append(new TimelineEntry("inc-other", 1, s_now, "Other", "other incident"))
            .ToList();

        await store.AppendTimelineAsync(entries);
        await store.AppendTimelineAsync(entries);

        var timeline = await store.GetTimelineAsync("inc-4");
        CollectionAssert.AreEqual(Enumerable.Range(1, 150).ToArray(), timeline.Select(t => t.Sequence).ToArray());
        Assert.AreEqual("step 7, again", timeline[6].Message);
        Assert.AreEqual("step 150", timeline[^1].Message);
        Assert.AreEqual("other incident", (await store.GetTimelineAsync("inc-other")).Single().Message);
    }

    // HoldEnded in a list ends the app's live marker, as the same entry written alone does.
    [TestMethod]
    [DataRow(true, DisplayName = "in a list")]
    [DataRow(false, DisplayName = "alone")]
    public async Task AppendTimeline_HoldEnded_EndsTheLiveMarker(bool inList)
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        var incident = NewIncident("inc-5");
        await store.TryCreateAsync(incident);
        var instance = IncidentIds.InstanceIdFor(incident.TargetResourceId);
        Assert.IsTrue(await store.TryStartLiveAsync(new LiveMarker(instance, "inc-5", ["rule"], [], s_now)));
        var held = new TimelineEntry("inc-5", 9, s_now, TimelineKinds.HoldEnded, "The hold ended.");

        if (inList)
        {
            await store.AppendTimelineAsync([new TimelineEntry("inc-5", 8, s_now, "Step", "before"), held]);
        }
        else
        {
            await store.AppendTimelineAsync(held);
        }

        Assert.IsNull(await store.GetLiveAsync(instance));
        Assert.AreEqual(TimelineKinds.HoldEnded, (await store.GetTimelineAsync("inc-5"))[^1].Kind);
    }

    [TestMethod]
    public async Task DeleteUnstarted_OnlyRemovesReceivedIncidents()
    {
        var store = TestServices.Store(TestServices.UniqueTables());
        await store.TryCreateAsync(NewIncident("inc-received"));
        await store.TryCreateAsync(NewIncident("inc-started"));
        await store.UpdateStatusAsync("inc-started", IncidentStatus.Investigating, "working", s_now);

        await store.DeleteUnstartedAsync("inc-received");
        await store.DeleteUnstartedAsync("inc-started");
        await store.DeleteUnstartedAsync("inc-never-existed");

        Assert.IsNull(await store.GetAsync("inc-received"));
        Assert.AreEqual(IncidentStatus.Investigating, (await store.GetAsync("inc-started"))!.Status);
    }
}
