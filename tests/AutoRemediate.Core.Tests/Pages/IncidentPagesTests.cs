using System.Net;
using System.Text.RegularExpressions;
using AutoRemediate.Azure;
using AutoRemediate.Diagnostics;
using AutoRemediate.Evidence;
using AutoRemediate.Http;
using AutoRemediate.Incidents;
using AutoRemediate.Pages;
using AutoRemediate.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AutoRemediate.Core.Tests.Pages;

/// <summary>The incident pages against Azurite through Core's real registrations: access, bad input, the list and the detail page.</summary>
[TestClass]
public sealed partial class IncidentPagesTests
{
    private const string Site = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.Web/sites/contoso-shop";
    private static readonly DateTimeOffset s_at = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static string Id(int n) => $"inc-20261130-{n:x16}";

    private static ServiceProvider Services(bool loopbackAccess, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var services = new ServiceCollection();
        var tables = TestServices.UniqueTables();
        var settings = new Dictionary<string, string?> { ["Evidence:EvidenceContainer"] = "ev" + tables.Incidents[^12..], ["Evidence:DumpsContainer"] = "dm" + tables.Incidents[^12..] };
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        TestServices.AddCore(services, null, tables, settings);
        if (loopbackAccess)
        {
            services.Replace(ServiceDescriptor.Singleton<IPageAccess, LoopbackPageAccess>());
        }

        return services.BuildServiceProvider();
    }

    private static HttpRequest Request(string query = "", IPAddress? from = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = from ?? IPAddress.Loopback;
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    private static HtmlPage Page(IResult result)
    {
        Assert.IsInstanceOfType<HtmlPage>(result, "people get a page, not JSON");
        return (HtmlPage)result;
    }

    private static async Task<IncidentRecord> CreateAsync(IServiceProvider services, int n, IncidentStatus status, string rule = "memory-high", int minutes = 0)
    {
        var store = services.GetRequiredService<IIncidentStore>();
        var incident = new IncidentRecord(Id(n), Site, "alert-" + n, rule, "Sev2", IncidentStatus.Received, "received", s_at.AddMinutes(minutes), s_at.AddMinutes(minutes));
        Assert.IsTrue(await store.TryCreateAsync(incident));
        if (status != IncidentStatus.Received)
        {
            await store.UpdateStatusAsync(incident.IncidentId, status, $"now {status}", s_at.AddMinutes(minutes + 1));
        }

        return incident with { Status = status };
    }

    [TestMethod]
    [DataRow("203.0.113.7")]
    [DataRow("10.0.0.5")]
    [DataRow("2001:db8::1")]
    [DataRow("::ffff:192.168.1.20")]
    public async Task LoopbackAccess_NonLoopbackRemoteAddress_403PageWithoutIncidentData(string address)
    {
        await using var services = Services(loopbackAccess: true);
        await CreateAsync(services, 1, IncidentStatus.Investigating);
        var pages = services.GetRequiredService<IncidentPages>();
        var request = Request(from: IPAddress.Parse(address));
        // A forwarded header claiming loopback changes nothing: anyone can write it.
        request.Headers["X-Forwarded-For"] = "127.0.0.1";

        var list = Page(await pages.ListAsync(request, default));
        var detail = Page(await pages.DetailAsync(request, Id(1), default));

        foreach (var page in new[] { list, detail })
        {
            Assert.AreEqual(403, page.StatusCode);
            StringAssert.Contains(page.Html, "Only on this machine");
            Assert.DoesNotContain(Id(1), page.Html);
            Assert.DoesNotContain("memory-high", page.Html);
        }
    }

    [TestMethod]
    [DataRow("127.0.0.1")]
    [DataRow("127.8.9.10")]
    [DataRow("::1")]
    [DataRow("::ffff:127.0.0.1")]
    public void LoopbackAccess_LoopbackAddress_Allowed(string address) =>
        Assert.IsTrue(LoopbackPageAccess.IsLoopback(IPAddress.Parse(address)));

    [TestMethod]
    public void LoopbackAccess_NoRemoteAddress_Refused() => Assert.IsFalse(LoopbackPageAccess.IsLoopback(null));

    [TestMethod]
    public async Task DefaultAccess_AsInTheFunctionApp_403SignInNotConfiguredEvenFromLoopback()
    {
        await using var services = Services(loopbackAccess: false);
        await CreateAsync(services, 2, IncidentStatus.AwaitingApproval);
        var pages = services.GetRequiredService<IncidentPages>();

        var list = Page(await pages.ListAsync(Request(), default));
        var detail = Page(await pages.DetailAsync(Request(), Id(2), default));

        Assert.IsInstanceOfType<SignedInPageAccess>(services.GetRequiredService<IPageAccess>());
        foreach (var page in new[] { list, detail })
        {
            Assert.AreEqual(403, page.StatusCode);
            StringAssert.Contains(page.Html, "Sign-in is not configured");
            Assert.DoesNotContain(Id(2), page.Html);
        }
    }

    // The Function App with sign-in configured, through Core's real registrations: a browser without a session is sent to
    // Entra and shown nothing; with the session the sign-in gave it, the same request shows the incident.
    [TestMethod]
    public async Task SignedInAccess_NoSessionThenSignedIn_RedirectedToEntraThenTheIncident()
    {
        const string clientId = "0b3e5f1a-9c2d-4e8f-a1b2-c3d4e5f60718";
        var services = new ServiceCollection();
        TestServices.AddCore(services, null, TestServices.UniqueTables(), new Dictionary<string, string?>
        {
            ["PageAuth:TenantId"] = EntraTestTokens.Tenant,
            ["PageAuth:ClientId"] = clientId,
            ["PageAuth:CookieKey"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 7)).ToArray()),
        });
        services.AddKeyedSingleton(PageSignIn.MetadataKey, EntraTestTokens.Metadata());
        await using var provider = services.BuildServiceProvider();
        await CreateAsync(provider, 3, IncidentStatus.AwaitingApproval);
        var pages = provider.GetRequiredService<IncidentPages>();

        var anonymous = new DefaultHttpContext();
        anonymous.Request.Path = "/api/ui/incidents/" + Id(3);
        anonymous.Request.Host = new HostString("autoremediate.azurewebsites.net");
        var challenge = await pages.DetailAsync(anonymous.Request, Id(3), default);
        anonymous.RequestServices = provider;
        anonymous.Response.Body = new MemoryStream();
        await challenge.ExecuteAsync(anonymous);

        Assert.AreEqual(302, anonymous.Response.StatusCode);
        StringAssert.StartsWith(anonymous.Response.Headers.Location.ToString(), $"https://login.microsoftonline.com/{EntraTestTokens.Tenant}/oauth2/v2.0/authorize?client_id={clientId}");
        anonymous.Response.Body.Position = 0;
        Assert.DoesNotContain(Id(3), await new StreamReader(anonymous.Response.Body).ReadToEndAsync());

        // Entra posts the ID token back; the session cookie it sets opens the page.
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(anonymous.Response.Headers.Location.ToString()).Query);
        var stateCookie = Microsoft.Net.Http.Headers.SetCookieHeaderValue.ParseList(anonymous.Response.Headers.SetCookie.ToArray()!).Single(c => c.Name == PageSignIn.StateCookie).Value.ToString();
        var post = new DefaultHttpContext { RequestServices = provider };
        post.Request.Method = "POST";
        post.Request.Headers.Cookie = $"{PageSignIn.StateCookie}={stateCookie}";
        post.Request.ContentType = "application/x-www-form-urlencoded";
        post.Request.Form = new FormCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>
        {
            ["state"] = query["state"].ToString(),
            ["id_token"] = EntraTestTokens.IdToken(clientId, "ana@contoso.com", "oid-ana", query["nonce"].ToString(), ["Remediation.Viewer"]),
        });
        post.Response.Body = new MemoryStream();
        await (await provider.GetRequiredService<PageSignIn>().CompleteAsync(post.Request, default)).ExecuteAsync(post);
        Assert.AreEqual("/api/ui/incidents/" + Id(3), post.Response.Headers.Location.ToString());
        var session = Microsoft.Net.Http.Headers.SetCookieHeaderValue.ParseList(post.Response.Headers.SetCookie.ToArray()!).Single(c => c.Name == PageSignIn.SessionCookie).Value.ToString();

        var signedIn = Request();
        signedIn.Headers.Cookie = $"{PageSignIn.SessionCookie}={session}";
        var page = Page(await pages.DetailAsync(signedIn, Id(3), default));

        Assert.AreEqual(200, page.StatusCode);
        StringAssert.Contains(page.Html, Id(3));
    }

    // Issue 13 point 3: a recurring incident's page says so and links the earlier incidents and their dumps.
    [TestMethod]
    public async Task Detail_RecurringIncident_LinksTheEarlierIncidentsAndTheirDumps()
    {
        await using var services = Services(loopbackAccess: true);
        var store = services.GetRequiredService<IIncidentStore>();
        await CreateAsync(services, 40, IncidentStatus.Resolved, minutes: -60 * 24 * 3);
        await CreateAsync(services, 41, IncidentStatus.Resolved, minutes: -60 * 24);
        var incident = await CreateAsync(services, 42, IncidentStatus.AwaitingApproval);
        await store.NoteRecurrenceAsync(incident.IncidentId, "Restarts are hiding a problem: 4 restarts in 7 days", [Id(41), Id(40), "<script>x</script>"]);
        var dumps = new global::Azure.Storage.Blobs.BlobServiceClient(AzuriteFixture.ConnectionString)
            .GetBlobContainerClient(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvidenceOptions>>().Value.DumpsContainer);
        await dumps.CreateIfNotExistsAsync();
        await dumps.GetBlobClient($"{Id(41)}/contoso-shop-w3wp-1234.dmp").UploadAsync(new BinaryData(new byte[1024]));
        var pages = services.GetRequiredService<IncidentPages>();

        var page = Page(await pages.DetailAsync(Request(), incident.IncidentId, default));

        Assert.AreEqual(200, page.StatusCode, page.Html);
        StringAssert.Contains(page.Html, "<h2>Recurring</h2>");
        StringAssert.Contains(page.Html, "Restarts are hiding a problem: 4 restarts in 7 days.");
        StringAssert.Contains(page.Html, $"<a href=\"/api/ui/incidents/{Id(41)}\">{Id(41)}</a>: dump <code>{dumps.Name}/{Id(41)}/contoso-shop-w3wp-1234.dmp</code>");
        StringAssert.Contains(page.Html, $"<a href=\"/api/ui/incidents/{Id(40)}\">{Id(40)}</a>: no dump stored");
        Assert.DoesNotContain("<script>x", page.Html, "only ids in the exact grammar are linked");
    }

    [TestMethod]
    public async Task Export_FromThePage_BehindThePagesAccessNotAFunctionKey()
    {
        await using var services = Services(loopbackAccess: true);
        var incident = await CreateAsync(services, 50, IncidentStatus.Resolved);
        var pages = services.GetRequiredService<IncidentPages>();

        var allowed = await pages.ExportAsync(Request(), incident.IncidentId, default);
        var elsewhere = Page(await pages.ExportAsync(Request(from: IPAddress.Parse("203.0.113.7")), incident.IncidentId, default));
        var malformed = Page(await pages.ExportAsync(Request(), "inc-1", default));

        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        await allowed.ExecuteAsync(context);
        Assert.AreEqual("text/markdown; charset=utf-8", context.Response.ContentType);
        StringAssert.Contains(context.Response.Headers.ContentDisposition.ToString(), $"{incident.IncidentId}-postmortem.md");
        Assert.AreEqual(403, elsewhere.StatusCode);
        Assert.DoesNotContain(incident.IncidentId, elsewhere.Html);
        Assert.AreEqual(400, malformed.StatusCode);
    }

    [TestMethod]
    [DataRow("?status=Bogus", "status")]
    [DataRow("?top=5", "top")]
    [DataRow("?app=%3Cscript%3E", "app")]
    [DataRow("?since=yesterday", "since")]
    [DataRow("?continuation=abc", "continuation")]
    [DataRow("?colour=red", "colour")]
    [DataRow("?app=a&app=b", "app")]
    public async Task List_BadParameter_Readable400NamingIt(string query, string parameter)
    {
        await using var services = Services(loopbackAccess: true);
        var pages = services.GetRequiredService<IncidentPages>();

        var page = Page(await pages.ListAsync(Request(query), default));

        Assert.AreEqual(400, page.StatusCode);
        StringAssert.Contains(page.Html, "This list cannot be shown");
        StringAssert.Contains(page.Html, parameter + ":");
        Assert.DoesNotContain("<script>", page.Html, "what was sent is shown encoded");
    }

    [TestMethod]
    public async Task List_LiveAndEnded_LiveSectionFirstEmptyFieldsIgnored()
    {
        await using var services = Services(loopbackAccess: true);
        await CreateAsync(services, 10, IncidentStatus.Resolved, minutes: 5);
        await CreateAsync(services, 11, IncidentStatus.AwaitingApproval, minutes: 1);
        var pages = services.GetRequiredService<IncidentPages>();

        // What the form sends when nothing is filled in.
        var page = Page(await pages.ListAsync(Request("?app=&status=&since="), default));

        Assert.AreEqual(200, page.StatusCode, page.Html);
        var live = page.Html.IndexOf("<h2>Live</h2>", StringComparison.Ordinal);
        var ended = page.Html.IndexOf("<h2>Ended</h2>", StringComparison.Ordinal);
        Assert.IsTrue(live >= 0 && ended > live, "a Live section above the ended ones");
        var awaiting = page.Html.IndexOf(Id(11), StringComparison.Ordinal);
        var resolved = page.Html.IndexOf(Id(10), StringComparison.Ordinal);
        Assert.IsTrue(awaiting > live && awaiting < ended, "the live incident is in Live, although it is older");
        Assert.IsTrue(resolved > ended, "the resolved incident is under Ended");
        StringAssert.Contains(page.Html, "st-AwaitingApproval");
        StringAssert.Contains(page.Html, $"href=\"/api/ui/incidents/{Id(11)}\"");
    }

    [TestMethod]
    public async Task List_StatusAndSinceFromTheForm_FilteredAndKeptInTheForm()
    {
        await using var services = Services(loopbackAccess: true);
        await CreateAsync(services, 20, IncidentStatus.Resolved, minutes: 0);
        await CreateAsync(services, 21, IncidentStatus.Resolved, minutes: 30);
        await CreateAsync(services, 22, IncidentStatus.Escalated, minutes: 40);
        var pages = services.GetRequiredService<IncidentPages>();

        // datetime-local sends no seconds and no offset; the page labels it UTC.
        var page = Page(await pages.ListAsync(Request("?app=contoso-shop&status=Resolved&since=2026-11-30T09:10"), default));

        Assert.AreEqual(200, page.StatusCode, page.Html);
        StringAssert.Contains(page.Html, Id(21));
        Assert.DoesNotContain(Id(20), page.Html, "opened before since");
        Assert.DoesNotContain(Id(22), page.Html, "another status");
        StringAssert.Contains(page.Html, "<option selected>Resolved</option>");
        StringAssert.Contains(page.Html, "value=\"2026-11-30T09:10\"");
    }

    [TestMethod]
    public async Task List_MoreThanOnePage_OlderLinkCarriesFiltersAndContinuation()
    {
        await using var services = Services(loopbackAccess: true);
        for (var n = 0; n < IncidentListRequest.DefaultTop + 2; n++)
        {
            await CreateAsync(services, 100 + n, IncidentStatus.Resolved, minutes: n);
        }

        var pages = services.GetRequiredService<IncidentPages>();
        var first = Page(await pages.ListAsync(Request("?app=contoso-shop"), default));
        var older = OlderLink().Match(first.Html);
        Assert.IsTrue(older.Success, first.Html);
        var href = WebUtility.HtmlDecode(older.Groups[1].Value);
        StringAssert.StartsWith(href, "/api/ui/incidents?app=contoso-shop&continuation=");

        var second = Page(await pages.ListAsync(Request(href["/api/ui/incidents".Length..]), default));

        Assert.AreEqual(200, second.StatusCode, second.Html);
        StringAssert.Contains(second.Html, Id(101));
        StringAssert.Contains(second.Html, Id(100));
        Assert.DoesNotContain(Id(100 + IncidentListRequest.DefaultTop + 1), second.Html, "the newest is on the first page only");
    }

    [TestMethod]
    [DataRow("inc-1")]
    [DataRow("INC-20261130-0000000000000001")]
    [DataRow("inc-20261130-000000000000000g")]
    [DataRow("../etc/passwd")]
    public async Task Detail_MalformedId_Readable400(string id)
    {
        await using var services = Services(loopbackAccess: true);
        var page = Page(await services.GetRequiredService<IncidentPages>().DetailAsync(Request(), id, default));

        Assert.AreEqual(400, page.StatusCode);
        StringAssert.Contains(page.Html, "This is not an incident id");
    }

    [TestMethod]
    public async Task Detail_UnknownId_Readable404()
    {
        await using var services = Services(loopbackAccess: true);
        var page = Page(await services.GetRequiredService<IncidentPages>().DetailAsync(Request(), Id(999), default));

        Assert.AreEqual(404, page.StatusCode);
        StringAssert.Contains(page.Html, "No such incident");
    }

    [TestMethod]
    public async Task Detail_WithQueryParameters_Readable400()
    {
        await using var services = Services(loopbackAccess: true);
        await CreateAsync(services, 3, IncidentStatus.Resolved);
        var page = Page(await services.GetRequiredService<IncidentPages>().DetailAsync(Request("?x=1"), Id(3), default));

        Assert.AreEqual(400, page.StatusCode);
        Assert.DoesNotContain("memory-high", page.Html);
    }

    [TestMethod]
    public async Task Detail_StoredIncident_TimelineChartEvidenceExportAndEncodedAlertText()
    {
        await using var services = Services(loopbackAccess: true);
        var incident = await CreateAsync(services, 4, IncidentStatus.Resolved, rule: "<script>alert(1)</script> & co");
        var store = services.GetRequiredService<IIncidentStore>();
        await store.AppendTimelineAsync(new TimelineEntry(incident.IncidentId, 1, s_at.AddMinutes(1), TimelineKinds.DiagnosticsCollected, "2 instance(s) <b>hot</b>"));
        await store.AppendTimelineAsync(new TimelineEntry(incident.IncidentId, 2, s_at.AddMinutes(3), TimelineKinds.ActionTaken, "Restarted contoso-shop."));
        var evidence = services.GetRequiredService<EvidenceBlobs>();
        var series = new[]
        {
            new MetricSeries("MemoryWorkingSet", "Bytes", "inst-aaaaaaaa", [.. Enumerable.Range(0, 6).Select(m => new MetricPoint(s_at.AddMinutes(m - 2), 1.0e9 + (m * 2.0e8), null, null, null, null))]),
            new MetricSeries("MemoryWorkingSet", "Bytes", "inst-bbbbbbbb", [.. Enumerable.Range(0, 6).Select(m => new MetricPoint(s_at.AddMinutes(m - 2), 4.0e8, null, null, null, null))]),
        };
        await evidence.WriteJsonAsync(incident.IncidentId, MetricsActivities.MetricsBlobName, series);
        await evidence.WriteJsonAsync(incident.IncidentId, MetricsActivities.CriteriaBlobName, new[] { new AlertCriterion("MemoryWorkingSet", "GreaterThan", "1610612736", "Average") });

        var page = Page(await services.GetRequiredService<IncidentPages>().DetailAsync(Request(), incident.IncidentId, default));

        Assert.AreEqual(200, page.StatusCode, page.Html);
        Assert.DoesNotContain("<script>", page.Html);
        Assert.DoesNotContain("<b>hot</b>", page.Html);
        StringAssert.Contains(page.Html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co");
        StringAssert.Contains(page.Html, "2026-11-30 09:03:00 UTC");
        StringAssert.Contains(page.Html, "Restarted contoso-shop.");
        Assert.AreEqual(2, SeriesPath().Matches(page.Html).Count, "one line per instance");
        StringAssert.Contains(page.Html, "class=\"threshold\"");
        StringAssert.Contains(page.Html, "threshold 1.61G");
        StringAssert.Contains(page.Html, "class=\"action\"");
        StringAssert.Contains(page.Html, $"evidence/{incident.IncidentId}/metrics.json".Replace("evidence", services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvidenceOptions>>().Value.EvidenceContainer, StringComparison.Ordinal));
        StringAssert.Contains(page.Html, $"href=\"/api/ui/incidents/{incident.IncidentId}/export\"");
    }

    [TestMethod]
    public void Chart_ThresholdAndAction_DrawnWhereTheFiguresAre()
    {
        var at = s_at;
        var series = new[] { new MetricSeries("CpuPercentage", "Percent", null, [new MetricPoint(at, 10, null, null, null, null), new MetricPoint(at.AddMinutes(10), 90, null, null, null, null)]) };

        var svg = IncidentChart.Render(series, new AlertCriterion("CpuPercentage", "GreaterThan", "50", "Average"), at.AddMinutes(5), "action")!;

        var path = Regex.Match(svg, "class=\"series\"[^>]* d=\"M([0-9.]+) ([0-9.]+) L([0-9.]+) ([0-9.]+)\"");
        Assert.IsTrue(path.Success, svg);
        var threshold = double.Parse(Regex.Match(svg, "class=\"threshold\"[^>]* y1=\"([0-9.]+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var action = double.Parse(Regex.Match(svg, "class=\"action\" x1=\"([0-9.]+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double P(int g) => double.Parse(path.Groups[g].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(P(2) > threshold && P(4) < threshold, "10 is drawn below the threshold of 50, 90 above it (SVG y grows downwards)");
        Assert.AreEqual((P(1) + P(3)) / 2, action, 0.2, "the action, half-way in time, is drawn half-way");
    }

    [TestMethod]
    public void Chart_NoFigures_Null() =>
        Assert.IsNull(IncidentChart.Render([new MetricSeries("CpuPercentage", null, null, [new MetricPoint(s_at, null, null, null, null, null)])], null, null, null));

    [TestMethod]
    public async Task Pages_StorageUnreachable_503PageWithRetryAfter()
    {
        // Nothing listens on port 1: every storage call fails the way a storage outage does.
        await using var services = Services(loopbackAccess: true, new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;",
            ["Ingest:DependencyTimeout"] = "00:00:02",
        });
        var pages = services.GetRequiredService<IncidentPages>();

        var list = Page(await pages.ListAsync(Request(), default));
        var detail = Page(await pages.DetailAsync(Request(), Id(5), default));

        foreach (var page in new[] { list, detail })
        {
            Assert.AreEqual(503, page.StatusCode);
            StringAssert.Contains(page.Html, "Try again in a minute");
        }
    }

    [GeneratedRegex("<a rel=\"next\" href=\"([^\"]+)\"")]
    private static partial Regex OlderLink();

    [GeneratedRegex("<path class=\"series\"")]
    private static partial Regex SeriesPath();
}
