using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.DevHost;
using AutoRemediate.Testing;
using Microsoft.Playwright;

namespace AutoRemediate.Browser.Tests;

/// <summary>
/// The incident pages as on-call sees them: the memory-leak demo played through the in-process DevHost, then the
/// list and the incident's page opened in Chromium, the chart looked at, and the postmortem downloaded from the
/// export link. Screenshots of the pages (and the incident page at phone size) are kept with the test results.
/// </summary>
[TestClass]
public sealed class IncidentPagesTests
{
    private static IPlaywright s_playwright = null!;
    private static IBrowser s_browser = null!;

    public TestContext TestContext { get; set; } = null!;

    private static string ChromiumPath => Environment.GetEnvironmentVariable("AUTOREMEDIATE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    [ClassInitialize]
    public static async Task StartBrowserAsync(TestContext context)
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}: apt-get install chromium (.ci/test does), or set AUTOREMEDIATE_CHROMIUM.");
        }

        s_playwright = await Playwright.CreateAsync();
        // --no-sandbox: CI runs as root, where Chromium's own sandbox refuses to start.
        s_browser = await s_playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
    }

    [ClassCleanup]
    public static async Task StopBrowserAsync()
    {
        await s_browser.DisposeAsync();
        s_playwright.Dispose();
    }

    [TestMethod]
    public async Task MemoryLeakDemo_ListDetailChartAndExport_AsOnCallSeesThem()
    {
        var scenario = DemoScenario.Find("memory-leak")!;
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, DemoRunner.SettingsFor(scenario, autoApprove: true, Guid.NewGuid().ToString("N")[..10]));
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var observation = await DemoRunner.RunAsync(host, scenario, output, TimeSpan.FromMinutes(2), timeout.Token);
        Assert.IsNotNull(observation, output.ToString());
        Assert.AreEqual("Resolved", observation.Status, output.ToString());
        var id = observation.Incident["incidentId"]!.GetValue<string>();

        await using var context = await s_browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        var list = await page.GotoAsync(new Uri(host.BaseAddress, "/api/ui/incidents").ToString());
        Assert.AreEqual(200, list!.Status);
        var link = page.Locator($"a[href='/api/ui/incidents/{id}']");
        await Expect(link).ToBeVisibleAsync();
        await Expect(page.Locator("section.closed")).ToContainTextAsync(id);
        await Expect(page.Locator("section.closed .st-Resolved").First).ToHaveTextAsync("Resolved");
        await ShotAsync(page, "incidents-list");

        await link.ClickAsync();
        await page.WaitForURLAsync("**/api/ui/incidents/" + id);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incident " + id })).ToBeVisibleAsync();
        var timeline = page.Locator("ol.timeline li");
        Assert.IsGreaterThan(3, await timeline.CountAsync(), "the timeline shows the steps");
        await Expect(timeline.Filter(new() { HasText = "ActionTaken" })).ToHaveCountAsync(1);
        await Expect(timeline.First.Locator("time")).ToContainTextAsync("UTC");
        var chart = page.Locator("figure.chart svg");
        await Expect(chart).ToBeVisibleAsync();
        Assert.IsGreaterThanOrEqualTo(1, await chart.Locator("path.series").CountAsync(), "one line per instance");
        StringAssert.StartsWith(await chart.Locator("path.series").First.GetAttributeAsync("d"), "M");
        await Expect(chart.Locator("line.threshold")).ToHaveCountAsync(1);
        await Expect(chart.Locator("line.action")).ToHaveCountAsync(1);
        await Expect(page.Locator("figure.chart figcaption")).ToContainTextAsync("MemoryWorkingSet");
        await Expect(page.Locator("ul.evidence")).ToContainTextAsync($"evidence/{id}/metrics.json");
        await Expect(page.Locator("ul.evidence")).ToContainTextAsync($"dumps/{id}/");
        await ShotAsync(page, "incident-detail");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("a.export").ClickAsync());
        Assert.AreEqual($"{id}-postmortem.md", download.SuggestedFilename);
        var markdown = await File.ReadAllTextAsync((await download.PathAsync())!);
        StringAssert.StartsWith(markdown, $"# Incident {id} on contoso-shop");

        await using var phone = await s_browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true });
        var small = await phone.NewPageAsync();
        await small.GotoAsync(new Uri(host.BaseAddress, "/api/ui/incidents/" + id).ToString());
        await Expect(small.Locator("figure.chart svg")).ToBeVisibleAsync();
        var width = await small.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.IsLessThanOrEqualTo(390, width, "no sideways scrolling on a phone");
        await ShotAsync(small, "incident-detail-phone");
    }

    [TestMethod]
    public async Task AlertRuleWithMarkup_ListAndDetail_ShownAsTextNoScriptRuns()
    {
        var scenario = DemoScenario.Find("memory-leak")!;
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, DemoRunner.SettingsFor(scenario, autoApprove: true, Guid.NewGuid().ToString("N")[..10]));
        const string Rule = "leak<script>window.__injected=1;alert('x')</script><img id=injected src=x onerror=alert(2)>";
        var alert = Samples.MetricAlertFor(Samples.ShopSiteId);
        alert["data"]!["essentials"]!["alertRule"] = Rule;
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var posted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Accepted, posted.StatusCode, await posted.Content.ReadAsStringAsync());
        var id = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["incidentId"]!.GetValue<string>();

        await using var context = await s_browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };

        foreach (var path in new[] { "/api/ui/incidents", "/api/ui/incidents/" + id })
        {
            await page.GotoAsync(new Uri(host.BaseAddress, path).ToString());
            await Expect(page.Locator("body")).ToContainTextAsync(Rule);
            Assert.AreEqual(0, await page.Locator("script").CountAsync(), "no script element in " + path);
            Assert.AreEqual(0, await page.Locator("#injected").CountAsync(), "no injected element in " + path);
            Assert.IsFalse(await page.EvaluateAsync<bool>("'__injected' in window"), "nothing ran in " + path);
        }

        await ShotAsync(page, "incident-detail-markup-as-text");
        Assert.IsEmpty(dialogs, "no dialog fired: " + string.Join(", ", dialogs));
    }

    private async Task ShotAsync(IPage page, string name)
    {
        var path = Path.Combine(TestContext.TestResultsDirectory ?? Path.GetTempPath(), name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddResultFile(path);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
