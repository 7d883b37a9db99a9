using AutoRemediate.Incidents;

namespace AutoRemediate.Core.Tests.Incidents;

/// <summary>The Markdown postmortem: what an on-call engineer pastes into the review, and what alert text cannot do to it.</summary>
[TestClass]
public sealed class IncidentExportTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 30, 13, 55, 57, TimeSpan.Zero);

    private static (IncidentRecord Incident, TimelineEntry[] Timeline) Resolved(string rule = "memory-high")
    {
        var incident = new IncidentRecord("inc-20261130-5d71b9ceb312a7d0", "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop",
            "/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/4db3a106-2a43-435c-83bb-d259bedef9f5", rule, "Sev2",
            IncidentStatus.Resolved, "The app is healthy again after RestartApp.", s_t0, s_t0.AddMinutes(6), AlertRules: [rule]);
        TimelineEntry E(int seq, int minutes, string kind, string message) => new(incident.IncidentId, seq, s_t0.AddMinutes(minutes), kind, message);
        return (incident,
        [
            E(0, 0, TimelineKinds.AlertReceived, $"Alert '{rule}' (Sev2, Metric) fired."),
            E(1, 1, TimelineKinds.DiagnosticsCollected, "2 instance(s); evidence: evidence/inc-20261130-5d71b9ceb312a7d0/metrics.json."),
            E(2, 1, TimelineKinds.PlanChosen, "RestartApp: Memory is high (memory at 92% on 2 of 2 instance(s))."),
            E(3, 2, TimelineKinds.DumpCaptured, "Dump of w3wp (pid 4242) stored as dumps/inc-20261130-5d71b9ceb312a7d0/w3wp.dmp (512 MiB)."),
            E(4, 3, TimelineKinds.ApprovalGranted, "RestartApp approved by alice@contoso.com (\"go\") from 203.0.113.7."),
            E(5, 3, TimelineKinds.ActionTaken, "RestartApp done."),
            E(6, 6, TimelineKinds.IncidentResolved, "The app is healthy again after RestartApp."),
        ]);
    }

    [TestMethod]
    public void Markdown_ResolvedIncident_SummaryPlanDecisionEvidenceOutcomeAndTimelineWithTimes()
    {
        var (incident, timeline) = Resolved();

        var md = IncidentExport.Markdown(incident, timeline);

        StringAssert.StartsWith(md, "# Incident inc-20261130-5d71b9ceb312a7d0 on contoso-shop\n");
        foreach (var section in new[] { "## Summary", "## Plan and why", "## Decision", "## Evidence", "## Outcome", "## Timeline (UTC)" })
        {
            StringAssert.Contains(md, "\n" + section + "\n");
        }

        StringAssert.Contains(md, "- **Status:** Resolved");
        StringAssert.Contains(md, "RestartApp: Memory is high \\(memory at 92% on 2 of 2 instance\\(s\\)\\)");
        StringAssert.Contains(md, "approved by alice@contoso.com");
        StringAssert.Contains(md, "evidence/inc-20261130-5d71b9ceb312a7d0/metrics.json");
        StringAssert.Contains(md, "dumps/inc-20261130-5d71b9ceb312a7d0/w3wp.dmp");
        StringAssert.Contains(md, "- 2026-11-30 14:01:57 **IncidentResolved**: The app is healthy again after RestartApp.");
        Assert.IsLessThan(md.IndexOf("## Timeline", StringComparison.Ordinal), md.IndexOf("## Plan and why", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Markdown_CancelledIncident_OutcomeSaysWhoCancelledAndNotThatAzureDid()
    {
        var (resolved, timeline) = Resolved();
        var incident = resolved with { Status = IncidentStatus.Cancelled, Summary = "Cancelled by bob@contoso.com at 2026-11-30 14:00:57Z." };
        TimelineEntry[] cancelled =
        [
            .. timeline.Take(4),
            new(incident.IncidentId, TimelineEntry.ExternalSequence, s_t0.AddMinutes(4), TimelineKinds.CancelRequested, "Cancel requested by bob@contoso.com at 2026-11-30 13:59:57Z."),
            new(incident.IncidentId, 5, s_t0.AddMinutes(5), TimelineKinds.IncidentCancelled, "Cancelled by bob@contoso.com at 2026-11-30 13:59:57Z. Nothing had been done to the app."),
        ];

        var md = IncidentExport.Markdown(incident, cancelled);

        var outcome = md[md.IndexOf("## Outcome", StringComparison.Ordinal)..md.IndexOf("## Timeline", StringComparison.Ordinal)];
        StringAssert.Contains(outcome, "Cancel requested by bob@contoso.com");
        StringAssert.Contains(outcome, "Nothing had been done to the app.");
        StringAssert.Contains(md, "**CancelRequested**: Cancel requested by bob@contoso.com");
        Assert.DoesNotContain("(from Azure)", md, "a person cancelled it");
    }

    [TestMethod]
    [DataRow("[click me](https://evil.example/steal)", DisplayName = "a link hidden behind other words")]
    [DataRow("![pixel](https://evil.example/track.png)", DisplayName = "an image that calls home")]
    [DataRow("<script>alert(1)</script>", DisplayName = "HTML")]
    [DataRow("**urgent** | col | `code`", DisplayName = "emphasis, table cells, code")]
    [DataRow("line one\n# Heading\n- item", DisplayName = "new lines that would start a heading or a list")]
    public void Markdown_HostileAlertRule_ShownAsTextNeverAsMarkup(string rule)
    {
        var (incident, timeline) = Resolved(rule);

        var md = IncidentExport.Markdown(incident, timeline);

        Assert.DoesNotContain("](", md.Replace("\\](", string.Empty, StringComparison.Ordinal).Replace("\\]\\(", string.Empty, StringComparison.Ordinal), "no link or image syntax survives");
        Assert.DoesNotContain("<script>", md);
        Assert.DoesNotContain("\n# Heading", md);
        Assert.DoesNotContain("**urgent**", md);
        StringAssert.Contains(md, IncidentExport.Escape(rule), "the rule is there, as text");
    }
}
