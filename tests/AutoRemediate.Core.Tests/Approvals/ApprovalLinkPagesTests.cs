using System.Text;
using System.Text.RegularExpressions;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace AutoRemediate.Core.Tests.Approvals;

/// <summary>
/// The approval link's pages against Azurite. Every refusal is checked to change nothing: the Durable
/// client is a strict mock that fails on any call (no event can be raised), and the approval row is
/// compared with its stored self before and after. Decisions that go through are in the DevHost tests.
/// </summary>
[TestClass]
public sealed class ApprovalLinkPagesTests
{
    private const string Approver = "alice@contoso.com";
    private const string Site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-shop";

    private ServiceProvider _services = null!;
    private IIncidentStore _store = null!;
    private IApprovalStore _approvals = null!;
    private IApprovalLinks _links = null!;
    private ApprovalLinkPages _pages = null!;
    private Mock<DurableTaskClient> _client = null!;

    [TestInitialize]
    public void Initialize()
    {
        var services = new ServiceCollection();
        TestServices.AddCore(services, null, TestServices.UniqueTables());
        _services = services.BuildServiceProvider();
        _store = _services.GetRequiredService<IIncidentStore>();
        _approvals = _services.GetRequiredService<IApprovalStore>();
        _links = _services.GetRequiredService<IApprovalLinks>();
        _pages = _services.GetRequiredService<ApprovalLinkPages>();
        _client = new Mock<DurableTaskClient>(MockBehavior.Strict, "strict");
    }

    [TestCleanup]
    public async Task CleanupAsync()
    {
        _client.VerifyNoOtherCalls();
        await _services.DisposeAsync();
    }

    [TestMethod]
    public async Task IssueAsync_NewLink_TokenIs43Base64UrlCodeIsGroupedAndOnlyHashesAreStored()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();

        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));

        Assert.IsTrue(ApprovalLinkSecrets.IsWellFormedToken(issued.Token), issued.Token.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.MatchesRegex("^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$", issued.Code);
        Assert.DoesNotContain(issued.Token, issued.ToString());
        var table = new TableServiceClient(AzuriteFixture.ConnectionString).GetTableClient(_services.GetRequiredService<IOptions<StorageOptions>>().Value.ApprovalLinksTable);
        var rows = table.Query<TableEntity>().ToList();
        // The link, and its index row in the incident's partition (for retention): both keyed by the hash only.
        Assert.HasCount(2, rows);
        var link = rows.Single(r => r.RowKey == "link");
        Assert.AreEqual(ApprovalLinkSecrets.HashToken(issued.Token), link.PartitionKey);
        var index = rows.Single(r => r.PartitionKey == incidentId);
        Assert.AreEqual(link.PartitionKey, index.RowKey);
        var stored = string.Join("|", rows.SelectMany(r => r).Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.DoesNotContain(issued.Token, stored);
        Assert.DoesNotContain(issued.Code, stored);
        Assert.DoesNotContain(issued.Code.Replace("-", string.Empty, StringComparison.Ordinal), stored);
        StringAssert.Contains(stored, "IncidentId=" + incidentId);
        StringAssert.Contains(stored, "State=Pending");
    }

    [TestMethod]
    public async Task GetAsync_HundredOpens_NoDecisionOneLinkOpenedEntryAndAllOpensCounted()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var before = await _approvals.GetAsync(incidentId, approvalId);

        // 100 opens, four at a time (a scanner, a preview pane and the approver's phone at once).
        var pages = new List<Page>();
        foreach (var batch in Enumerable.Range(0, 100).Chunk(4))
        {
            pages.AddRange(await Task.WhenAll(batch.Select(_ => Task.Run(async () => await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None))))));
        }

        Assert.IsTrue(pages.All(p => p.Status == 200), string.Join(",", pages.Select(p => p.Status).Distinct()));
        StringAssert.Contains(pages[0].Body, "<form method=\"post\">");
        StringAssert.Contains(pages[0].Body, "contoso-shop");
        await AssertApprovalUnchangedAsync(before!);
        var timeline = await _store.GetTimelineAsync(incidentId);
        Assert.AreEqual(1, timeline.Count(t => t.Kind == TimelineKinds.LinkOpened));
        Assert.IsFalse(timeline.Any(t => t.Kind is TimelineKinds.ApprovalGranted or TimelineKinds.ApprovalRejected));
        var link = await _services.GetRequiredService<TableApprovalLinks>().FindAsync(issued.Token);
        Assert.AreEqual(100, link!.OpenedCount);
        Assert.AreEqual(ApprovalLinkState.Pending, link.State);
    }

    [TestMethod]
    public async Task GetAsync_Page_CarriesTheSecurityHeadersAndEncodesText()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(new ApprovalInvite(incidentId, approvalId, "<script>alert(1)</script>@contoso.com", "Restart <b>now</b>", DateTimeOffset.UtcNow.AddMinutes(30)));

        var page = await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None));

        Assert.AreEqual(200, page.Status);
        Assert.AreEqual("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'", page.Headers["Content-Security-Policy"]);
        Assert.AreEqual("no-store", page.Headers["Cache-Control"]);
        Assert.AreEqual("no-referrer", page.Headers["Referrer-Policy"]);
        Assert.AreEqual("DENY", page.Headers["X-Frame-Options"]);
        StringAssert.StartsWith(page.Headers["Content-Type"], "text/html");
        StringAssert.Contains(page.Body, "name=\"viewport\"");
        Assert.DoesNotContain("<script", page.Body);
        Assert.DoesNotContain("<b>now", page.Body);
        StringAssert.Contains(page.Body, "&lt;b&gt;now");
    }

    [TestMethod]
    [DataRow("short")]
    [DataRow("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [DataRow("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task GetAndPost_AlteredToken_404NotValidAndNothingChanges(string token)
    {
        var get = await RunAsync(await _pages.GetAsync(token, CancellationToken.None));
        var post = await PostAsync(token, "code=ABCD-EFGH&decision=approve");

        Assert.AreEqual(404, get.Status);
        Assert.AreEqual(404, post.Status);
        StringAssert.Contains(get.Body, "This link is not valid");
    }

    [TestMethod]
    public async Task GetAndPost_ForgedOrOneCharacterAlteredToken_404NotValidAndNothingChanges()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var altered = (issued.Token[0] == 'A' ? "B" : "A") + issued.Token[1..];
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var get = await RunAsync(await _pages.GetAsync(altered, CancellationToken.None));
        var post = await PostAsync(altered, $"code={issued.Code}&decision=approve");

        Assert.AreEqual(404, get.Status);
        Assert.AreEqual(404, post.Status);
        StringAssert.Contains(post.Body, "This link is not valid");
        await AssertApprovalUnchangedAsync(before!);
        Assert.IsFalse((await _store.GetTimelineAsync(incidentId)).Any(t => t.Kind == TimelineKinds.LinkOpened));
    }

    [TestMethod]
    public async Task PostAsync_FiveWrongCodes_LinkLockedOnTheTimelineAndTheRightCodeIsRefusedThen()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var before = await _approvals.GetAsync(incidentId, approvalId);
        var wrong = WrongCode(issued.Code);

        var tries = new List<Page>();
        for (var i = 0; i < 5; i++)
        {
            tries.Add(await PostAsync(issued.Token, $"code={wrong}&decision=approve"));
        }

        var right = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve");
        var get = await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None));

        CollectionAssert.AreEqual(new[] { 403, 403, 403, 403, 423 }, tries.Select(t => t.Status).ToArray());
        StringAssert.Contains(tries[0].Body, "4 tries left");
        StringAssert.Contains(tries[3].Body, "1 try left");
        Assert.AreEqual(423, right.Status);
        StringAssert.Contains(right.Body, "This link is locked");
        Assert.AreEqual(423, get.Status);
        await AssertApprovalUnchangedAsync(before!);
        var locked = (await _store.GetTimelineAsync(incidentId)).Where(t => t.Kind == TimelineKinds.LinkLocked).ToList();
        Assert.HasCount(1, locked);
        StringAssert.Contains(locked[0].Message, Approver);
        Assert.DoesNotContain(issued.Code, locked[0].Message);
    }

    [TestMethod]
    public async Task PostAsync_ConcurrentWrongCodes_EveryTryCountedAndLockedOnce()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var wrong = WrongCode(issued.Code);

        var tries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => PostAsync(issued.Token, $"code={wrong}&decision=reject"))));

        // Each wrong code's answer is the count its own write made: "4 tries left" … "1 try left", then locked.
        var told = string.Join(",", tries.Select(t => t.Status + ":" + Regex.Match(t.Body, @"\d+ tr\w+ left").Value));
        Assert.AreEqual(4, tries.Count(t => t.Status == 403), told);
        CollectionAssert.AreEquivalent(new[] { "4 tries left", "3 tries left", "2 tries left", "1 try left" },
            tries.Where(t => t.Status == 403).Select(t => Regex.Match(t.Body, @"\d+ tr\w+ left").Value).ToArray(), told);
        Assert.AreEqual(4, tries.Count(t => t.Status == 423));
        Assert.AreEqual(1, (await _store.GetTimelineAsync(incidentId)).Count(t => t.Kind == TimelineKinds.LinkLocked));
        var link = await _services.GetRequiredService<TableApprovalLinks>().FindAsync(issued.Token);
        Assert.AreEqual(ApprovalLinkState.Locked, link!.State);
        Assert.AreEqual(5, link.FailedTries);
    }

    [TestMethod]
    public async Task GetAndPost_Expired_410SaysExpiredAndNothingChanges()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync(expiresAt: DateTimeOffset.UtcNow.AddSeconds(-1));
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId) with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var get = await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None));
        var post = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve");

        Assert.AreEqual(410, get.Status);
        Assert.AreEqual(410, post.Status);
        StringAssert.Contains(post.Body, "This link has expired");
        await AssertApprovalUnchangedAsync(before!);
    }

    [TestMethod]
    public async Task GetAndPost_OlderRung_410SaysSupersededNamingTheNewRequestAndNothingChanges()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var newer = incidentId + "-r2";
        await _approvals.OpenAsync(incidentId, newer, "ScaleOut", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(30));
        await _store.SetPendingApprovalAsync(incidentId, newer);
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var get = await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None));
        var post = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve");

        Assert.AreEqual(410, get.Status);
        Assert.AreEqual(410, post.Status);
        StringAssert.Contains(post.Body, "This request was replaced");
        StringAssert.Contains(post.Body, newer);
        await AssertApprovalUnchangedAsync(before!);
        Assert.AreEqual(ApprovalState.Pending, (await _approvals.GetAsync(incidentId, newer))!.State, "the link cannot decide the newer request either");
    }

    [TestMethod]
    public async Task GetAndPost_AlertResolvedRequestWithdrawn_410NoLongerNeededAndNothingChanges()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        await _approvals.CloseAsync(incidentId, approvalId, ApprovalState.Withdrawn, DateTimeOffset.UtcNow);
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var post = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve");

        Assert.AreEqual(410, post.Status);
        StringAssert.Contains(post.Body, "No longer needed");
        StringAssert.Contains(post.Body, "alert resolved");
        await AssertApprovalUnchangedAsync(before!);
    }

    [TestMethod]
    public async Task GetAndPost_IncidentClosed_410NoLongerNeededAndNothingChanges()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        await _store.UpdateStatusAsync(incidentId, IncidentStatus.Resolved, "The app recovered on its own.", DateTimeOffset.UtcNow);
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var get = await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None));
        var post = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve");

        Assert.AreEqual(410, get.Status);
        Assert.AreEqual(410, post.Status);
        StringAssert.Contains(post.Body, "The incident is closed (Resolved)");
        await AssertApprovalUnchangedAsync(before!);
    }

    [TestMethod]
    public async Task GetAndPost_DecidedBySomebodyElse_409NamesWhoAndWhenAndNothingChanges()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var pending = await _approvals.GetAsync(incidentId, approvalId);
        await _approvals.TryDecideAsync(pending!, approve: false, "bob@contoso.com", "not now", new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.Zero));
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var get = await RunAsync(await _pages.GetAsync(issued.Token, CancellationToken.None));
        var post = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve");

        Assert.AreEqual(409, get.Status);
        Assert.AreEqual(409, post.Status);
        StringAssert.Contains(post.Body, "Already rejected by bob@contoso.com at 2026-11-30 09:15 UTC");
        await AssertApprovalUnchangedAsync(before!);
    }

    [TestMethod]
    public async Task PostAsync_RightCodeButNoDecisionOrNotAForm_RefusedWithoutCountingOrDeciding()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        var before = await _approvals.GetAsync(incidentId, approvalId);

        var noDecision = await PostAsync(issued.Token, $"code={issued.Code}&decision=maybe");
        var json = await PostAsync(issued.Token, $"{{\"code\":\"{issued.Code}\"}}", "application/json");
        var huge = await PostAsync(issued.Token, $"code={issued.Code}&decision=approve&comment=" + new string('x', ApprovalLinkPages.MaxFormBytes));

        Assert.AreEqual(400, noDecision.Status);
        StringAssert.Contains(noDecision.Body, "Choose Approve or Reject");
        Assert.AreEqual(415, json.Status);
        Assert.AreEqual(413, huge.Status);
        await AssertApprovalUnchangedAsync(before!);
        Assert.AreEqual(0, (await _services.GetRequiredService<TableApprovalLinks>().FindAsync(issued.Token))!.FailedTries);
    }

    [TestMethod]
    [DataRow("k7rx-m2qd", "K7RXM2QD")]
    [DataRow(" K7RX M2QD ", "K7RXM2QD")]
    [DataRow("K7RXM2QD", "K7RXM2QD")]
    [DataRow("K7RX-M2Q0", null)]
    [DataRow("K7RX-M2QDX", null)]
    [DataRow("", null)]
    public void NormalizeCode_AnyCaseWithOrWithoutDash_CanonicalOrNull(string typed, string? expected) =>
        Assert.AreEqual(expected, ApprovalLinkSecrets.NormalizeCode(typed));

    [TestMethod]
    [DataRow("203.0.113.7, 10.0.0.1", "203.0.113.7")]
    [DataRow("203.0.113.7:51234", "203.0.113.7")]
    [DataRow("[2001:db8::1]:443", "2001:db8::1")]
    [DataRow("<script>", "192.0.2.1")]
    public void ClientAddress_ForwardedFor_FirstHopWhenItIsAnAddressElseTheConnection(string forwarded, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Forwarded-For"] = forwarded;
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("192.0.2.1");

        Assert.AreEqual(expected, ApprovalLinkPages.ClientAddress(context.Request));
    }

    [TestMethod]
    public async Task GetAndPost_StorageNotListening_503PageSayingNothingWasDecidedWithRetryAfter()
    {
        var (incidentId, approvalId) = await WaitingIncidentAsync();
        var issued = await _links.IssueAsync(Invite(incidentId, approvalId));
        // The same pipeline with nothing listening where its Table Storage was (as when Azurite is stopped).
        var down = new ServiceCollection();
        var deadTables = System.Text.RegularExpressions.Regex.Replace(AzuriteFixture.ConnectionString, @"TableEndpoint=http://127\.0\.0\.1:\d+", $"TableEndpoint=http://127.0.0.1:{LoopbackPorts.Free(1)[0]}");
        TestServices.AddCore(down, null, TestServices.UniqueTables(), new Dictionary<string, string?> { ["AzureWebJobsStorage"] = deadTables, ["Ingest:DependencyTimeout"] = "00:00:05" });
        await using var provider = down.BuildServiceProvider();
        var pages = provider.GetRequiredService<ApprovalLinkPages>();

        var opened = await RunAsync(await pages.GetAsync(issued.Token, CancellationToken.None));
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/x-www-form-urlencoded";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes($"code={issued.Code}&decision=approve"));
        var posted = await RunAsync(await pages.PostAsync(context.Request, issued.Token, _client.Object, CancellationToken.None));

        foreach (var page in new[] { opened, posted })
        {
            Assert.AreEqual(StatusCodes.Status503ServiceUnavailable, page.Status, page.Body);
            StringAssert.StartsWith(page.Headers["Content-Type"], "text/html");
            Assert.AreEqual("30", page.Headers["Retry-After"]);
            StringAssert.Contains(page.Body, "Nothing was recorded or decided");
        }

        Assert.AreEqual(ApprovalState.Pending, (await _approvals.GetAsync(incidentId, approvalId))!.State, "nothing was decided");
    }

    private static ApprovalInvite Invite(string incidentId, string approvalId) =>
        new(incidentId, approvalId, Approver, "RestartInstance (instance abc)", DateTimeOffset.UtcNow.AddMinutes(30));

    private static string WrongCode(string code) => (code[0] == 'A' ? "B" : "A") + code[1..];

    private async Task<(string IncidentId, string ApprovalId)> WaitingIncidentAsync(DateTimeOffset? expiresAt = null)
    {
        var now = DateTimeOffset.UtcNow;
        var incidentId = "inc-20261130-" + Guid.NewGuid().ToString("N")[..16];
        var approvalId = incidentId + "-r1";
        Assert.IsTrue(await _store.TryCreateAsync(new IncidentRecord(incidentId, Site, "alert-1", "Http5xx high", "Sev2", IncidentStatus.Received, "Received.", now, now)));
        await _store.AppendTimelineAsync(new TimelineEntry(incidentId, 5, now, TimelineKinds.PlanChosen, "RestartInstance: one instance answers 5xx."));
        await _approvals.OpenAsync(incidentId, approvalId, "RestartInstance (instance abc)", now, expiresAt ?? now.AddMinutes(30));
        await _store.SetPendingApprovalAsync(incidentId, approvalId);
        await _store.UpdateStatusAsync(incidentId, IncidentStatus.AwaitingApproval, "Waiting for approval of RestartInstance.", now);
        return (incidentId, approvalId);
    }

    private async Task AssertApprovalUnchangedAsync(ApprovalRecord before)
    {
        var after = await _approvals.GetAsync(before.IncidentId, before.ApprovalId);
        Assert.AreEqual(before, after, "the approval row is unchanged");
    }

    private async Task<Page> PostAsync(string token, string form, string contentType = "application/x-www-form-urlencoded")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/api/approve/" + token;
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(form));
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        return await RunAsync(await _pages.PostAsync(context.Request, token, _client.Object, CancellationToken.None));
    }

    private async Task<Page> RunAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return new Page(context.Response.StatusCode, body, context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }

    private sealed record Page(int Status, string Body, Dictionary<string, string> Headers);
}
