using AutoRemediate.Actions;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Incidents;
using AutoRemediate.Notify;

namespace AutoRemediate.Core.Tests.Notify;

[TestClass]
public sealed class ApprovalMailTests
{
    private const string Site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";
    private const string Token = "AbCdEfGhIjKlMnOpQrStUv";
    private const string Code = "483920";
    private static readonly Uri s_base = new("https://remediate.example.net/");

    private static ApprovalMailRequest Request(string rule = "memory-high", string? description = "Memory above 1.5 GiB", MailDump? dump = null, PlanKind plan = PlanKind.RestartInstance) =>
        new("inc-20260101-0000000000000001", "inc-20260101-0000000000000001-r1", 7, new DateTimeOffset(2026, 1, 1, 10, 5, 0, TimeSpan.Zero), Site,
            new MailAlert(rule, "Sev2", new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero), description),
            new Decision(plan, "One instance holds 92% memory while the others are fine.", DumpFirst: true, InstanceId: "inst-b", NewCapacity: 3, NeedsApproval: true,
                Warnings: ["Autoscale may undo a scale-out."]),
            new DateTimeOffset(2026, 1, 1, 10, 35, 0, TimeSpan.Zero),
            [new MailMetric("MemoryWorkingSet", "GreaterThan", "1610612736", 1932735283.2, StillBreaching: true)],
            "2 instances; worst memory 92% on inst-b", dump, ["contoso-shop-admin", "contoso-shop-jobs"]);

    private static MailContent Compose(ApprovalMailRequest? request = null) => ApprovalMail.Request(request ?? Request(), ApprovalLinkRoutes.For(s_base, Token), Code);

    [TestMethod]
    public void Request_HostileRuleAndDescription_HtmlEncodedInHtmlPart()
    {
        var mail = Compose(Request(rule: "<script>alert('rule')</script>", description: "<img src=x onerror=steal()> & \"quoted\""));

        Assert.DoesNotContain("<script>", mail.Html);
        Assert.DoesNotContain("<img", mail.Html);
        Assert.Contains("&lt;script&gt;alert(&#39;rule&#39;)&lt;/script&gt;", mail.Html);
        Assert.Contains("&lt;img src=x onerror=steal()&gt; &amp; &quot;quoted&quot;", mail.Html);
        // The plain-text part shows the text as it is: it is not interpreted.
        Assert.Contains("<script>alert('rule')</script>", mail.Text);
    }

    [TestMethod]
    public void Request_RuleWithLineBreak_SubjectStaysOneLine()
    {
        var mail = Compose(Request(rule: "memory-high\r\nBcc: attacker@example.com"));

        Assert.DoesNotContain("\r", mail.Subject);
        Assert.DoesNotContain("\n", mail.Subject);
    }

    [TestMethod]
    public void Request_EverySection_InBothParts()
    {
        var mail = Compose(Request(dump: new MailDump("dumps/inc-1/contoso-shop-inst-b.dmp", 734_003_200)));

        foreach (var part in new[] { mail.Html, mail.Text })
        {
            Assert.Contains("memory-high", part, "the alert rule");
            Assert.Contains("Sev2", part, "the severity");
            Assert.Contains("2026-01-01 10:00 UTC", part, "when it fired");
            Assert.Contains("MemoryWorkingSet: 1932735283.2 against GreaterThan 1610612736 (still breaching)", part, "the metric against its threshold");
            Assert.Contains("worst memory 92% on inst-b", part, "the diagnostics");
            Assert.Contains("700 MiB in blob dumps/inc-1/contoso-shop-inst-b.dmp", part, "the dump's size and blob");
            Assert.Contains("RestartInstance (instance inst-b)", part, "the plan");
            Assert.Contains("One instance holds 92% memory", part, "why");
            Assert.Contains("Autoscale may undo a scale-out.", part, "the warnings");
            Assert.Contains("a scale step (ScaleOut", part, "what else could be done");
            Assert.Contains("Reject: nothing is done", part);
            Assert.Contains("contoso-shop-admin, contoso-shop-jobs", part, "other apps on the plan");
            Assert.Contains("expires at 2026-01-01 10:35 UTC", part, "the expiry");
        }

        Assert.Contains("contoso-shop", mail.Subject);
        Assert.Contains("RestartInstance", mail.Subject);
    }

    [TestMethod]
    public void Request_NoDump_SaysSo()
    {
        var mail = Compose();

        Assert.Contains("No memory dump was taken.", mail.Text);
    }

    [TestMethod]
    public void Request_CodeInBodyNotInLink()
    {
        var mail = Compose();
        var link = ApprovalLinkRoutes.For(s_base, Token).AbsoluteUri;

        Assert.AreEqual("https://remediate.example.net/api/approve/" + Token, link);
        Assert.Contains($"href=\"{link}\"", mail.Html);
        Assert.Contains("Link: " + link, mail.Text);
        Assert.Contains("One-time code: " + Code, mail.Text);
        Assert.Contains(Code, mail.Html);
        Assert.DoesNotContain(Code, link);
        // No link anywhere in the mail carries the code.
        foreach (var part in new[] { mail.Html, mail.Text })
        {
            var urls = System.Text.RegularExpressions.Regex.Matches(part, @"https?://[^\s""<]+").Select(m => m.Value).ToList();
            Assert.IsNotEmpty(urls);
            Assert.IsTrue(urls.All(u => !u.Contains(Code, StringComparison.Ordinal)), string.Join(", ", urls));
        }
    }

    [TestMethod]
    public void Request_ToString_ShowsNoTokenOrCode()
    {
        var mail = Compose();

        Assert.DoesNotContain(Token, mail.ToString());
        Assert.DoesNotContain(Code, mail.ToString());
    }

    [TestMethod]
    public void Request_PlainTextAlternative_HasNoMarkup()
    {
        var mail = Compose();

        Assert.DoesNotContain("<", mail.Text.Replace("<script>", string.Empty, StringComparison.Ordinal));
        Assert.StartsWith("<!DOCTYPE html>", mail.Html);
    }

    [TestMethod]
    public void Outcome_Escalated_ShortMailEncoded()
    {
        var mail = ApprovalMail.Outcome(new OutcomeMailRequest("inc-1", Site, "<b>rule</b>", IncidentStatus.Escalated, "RestartInstance was rejected by <x>; on-call takes over.",
            new DateTimeOffset(2026, 1, 1, 11, 0, 0, TimeSpan.Zero)));

        Assert.Contains("escalated to on-call", mail.Subject);
        Assert.Contains("&lt;x&gt;", mail.Html);
        Assert.DoesNotContain("<x>", mail.Html);
        Assert.Contains("rejected by <x>", mail.Text);
    }

    [TestMethod]
    public void Outcome_Resolved_SaysResolved()
    {
        var mail = ApprovalMail.Outcome(new OutcomeMailRequest("inc-1", Site, "memory-high", IncidentStatus.Resolved, "RestartInstance brought the app back.", DateTimeOffset.UtcNow));

        Assert.Contains("resolved", mail.Subject);
        Assert.Contains("brought the app back", mail.Text);
    }
}
