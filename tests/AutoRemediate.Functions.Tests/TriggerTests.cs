using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AutoRemediate.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoRemediate.Functions.Tests;

/// <summary>
/// The Function App's HTTP triggers, called the way the Functions ASP.NET Core integration calls
/// them (an HttpRequest in, an IActionResult executed against the HttpContext), with Core wired by
/// the same AddAutoRemediate, a real Durable Task backend, Azurite and the Sandbox.
/// </summary>
[TestClass]
public sealed class TriggerTests
{
    private static SandboxFixture s_sandbox = null!;
    private static DurableTaskTestHost s_durable = null!;
    private static ServiceProvider s_services = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        s_sandbox = await SandboxFixture.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = AzuriteFixture.ConnectionString,
            ["Storage:IncidentsTable"] = "Incidents" + Guid.NewGuid().ToString("N")[..10],
            ["Storage:ActionsTable"] = "Actions" + Guid.NewGuid().ToString("N")[..10],
            ["Workflow:VerifyInterval"] = "00:00:01",
            ["Workflow:VerifyHealthyFor"] = "00:00:02",
            ["Workflow:VerifyDeadline"] = "00:00:20",
            ["Azure:ResourceManagerEndpoint"] = s_sandbox.Address.ToString(),
            ["Azure:Credential"] = "Sandbox",
            ["Azure:SandboxCertificateThumbprint"] = s_sandbox.Thumbprint,
            // Decisions need an Entra ID user token with the approver role; the tenant's keys are the tests' own.
            ["DecisionAuth:TenantId"] = EntraTestTokens.Tenant,
            ["DecisionAuth:Audience"] = EntraTestTokens.Audience,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        void Configure(IServiceCollection services) => services.AddLogging().AddAutoRemediate(configuration)
            .AddKeyedSingleton(DecisionAuthenticator.MetadataKey, EntraTestTokens.Metadata());
        var services = new ServiceCollection();
        Configure(services);
        s_services = services.BuildServiceProvider();
        s_durable = await DurableTaskTestHost.StartAsync(
            registry => registry.AddRemediationWorkflow(),
            new DurableTaskTestHostOptions { Port = AutoRemediate.DevHost.DevHostRunner.FreeLoopbackPort(), ConfigureServices = Configure });
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_durable.DisposeAsync();
        await s_services.DisposeAsync();
        await s_sandbox.DisposeAsync();
    }

    private static DefaultHttpContext NewContext(string method, string path, string? body = null)
    {
        var context = new DefaultHttpContext { RequestServices = s_services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("func-api.azurewebsites.net");
        context.Request.Path = path;
        if (body is not null)
        {
            context.Request.ContentType = "application/json";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    private static async Task<JsonNode> ExecuteAsync(IActionResult result, DefaultHttpContext context)
    {
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        context.Response.Body.Position = 0;
        return JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync())!;
    }

    [TestMethod]
    public async Task AlertsThenIncident_ThroughTheFunctionTriggers_SameAnswersAsTheDevHost()
    {
        var post = NewContext("POST", "/api/alerts", Samples.MetricAlertFor(Samples.ShopSiteId).ToJsonString());

        var accepted = await ExecuteAsync(
            await new AlertsFunction(s_services.GetRequiredService<AlertsEndpoint>()).RunAsync(post.Request, s_durable.Client, CancellationToken.None), post);

        Assert.AreEqual(StatusCodes.Status202Accepted, post.Response.StatusCode);
        var incidentId = accepted["incidentId"]!.GetValue<string>();
        Assert.AreEqual($"https://func-api.azurewebsites.net/api/incidents/{incidentId}", accepted["statusUrl"]!.GetValue<string>());
        Assert.AreEqual(accepted["statusUrl"]!.GetValue<string>(), post.Response.Headers.Location.ToString());

        var incidents = new IncidentsFunction(s_services.GetRequiredService<IncidentsEndpoint>(), s_services.GetRequiredService<DecisionEndpoint>(), s_services.GetRequiredService<CancelEndpoint>());
        async Task<(JsonNode Incident, int Status)> GetAsync()
        {
            var get = NewContext("GET", $"/api/incidents/{incidentId}");
            var body = await ExecuteAsync(await incidents.GetAsync(get.Request, incidentId, s_durable.Client, CancellationToken.None), get);
            return (body, get.Response.StatusCode);
        }

        // The memory leak on contoso-shop leads to a restart, which waits for approval.
        var (waiting, _) = await PollAsync(GetAsync, i => i["status"]!.GetValue<string>() == "AwaitingApproval");
        var approvalId = waiting["pendingApproval"]!.GetValue<string>();
        // The function key got the request in; without a user token (or with a user lacking the role, or the
        // token of an application) nothing is decided, whatever name the body gives.
        var body = $$"""{"approvalId":"{{approvalId}}","approve":true,"approver":"ceo@contoso.com"}""";
        foreach (var (token, expected) in new[]
        {
            ((string?)null, StatusCodes.Status401Unauthorized),
            (EntraTestTokens.User("mallory@contoso.com", Guid.NewGuid().ToString(), key: EntraTestTokens.ForgedKey, roles: [DecisionAuthOptions.DefaultRole]), StatusCodes.Status401Unauthorized),
            (EntraTestTokens.User("intern@contoso.com", Guid.NewGuid().ToString(), roles: ["Remediation.Reader"]), StatusCodes.Status403Forbidden),
            (EntraTestTokens.App(Guid.NewGuid().ToString(), roles: [DecisionAuthOptions.DefaultRole]), StatusCodes.Status403Forbidden),
        })
        {
            var refused = NewContext("POST", $"/api/incidents/{incidentId}/decision", body);
            if (token is not null)
            {
                refused.Request.Headers.Authorization = "Bearer " + token;
            }

            var problem = await ExecuteAsync(await incidents.DecideAsync(refused.Request, incidentId, s_durable.Client, CancellationToken.None), refused);
            Assert.AreEqual(expected, refused.Response.StatusCode, problem.ToJsonString());
        }

        Assert.AreEqual("AwaitingApproval", (await GetAsync()).Incident["status"]!.GetValue<string>(), "a refused decision changes nothing");
        var oid = Guid.NewGuid().ToString();
        var decide = NewContext("POST", $"/api/incidents/{incidentId}/decision", body);
        decide.Request.Headers.Authorization = "Bearer " + EntraTestTokens.User("oncall@contoso.com", oid, roles: [DecisionAuthOptions.DefaultRole]);
        var forwarded = await ExecuteAsync(await incidents.DecideAsync(decide.Request, incidentId, s_durable.Client, CancellationToken.None), decide);
        Assert.AreEqual(StatusCodes.Status202Accepted, decide.Response.StatusCode, forwarded.ToJsonString());
        StringAssert.Contains(forwarded["approver"]!.GetValue<string>(), "oncall@contoso.com", "the token's user, not the body's name");

        var (incident, status) = await PollAsync(GetAsync, i => i["closed"]!.GetValue<bool>());
        Assert.AreEqual(StatusCodes.Status200OK, status);
        Assert.AreEqual("Resolved", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        CollectionAssert.IsSubsetOf(new[] { "ApprovalRequested", "ApprovalGranted", "ActionTaken", "IncidentResolved" }, kinds);
        var granted = incident["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "ApprovalGranted")!["message"]!.GetValue<string>();
        StringAssert.Contains(granted, "oncall@contoso.com");
        StringAssert.Contains(granted, oid);
        Assert.DoesNotContain("ceo@contoso.com", incident.ToJsonString(), "the body's approver is not trusted");
        Assert.AreEqual(1, (await s_sandbox.AppAsync("contoso-shop"))["restartCount"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Cancel_ThroughTheFunction_OnlyAnEntraApproverCancelsAndIsRecordedByTheTokensUser()
    {
        // An incident whose workflow has not started (Received): the cancel closes it at once, so this test does
        // not depend on the app's state (the other test here restarts contoso-shop).
        var incidentId = $"inc-20261130-{Guid.NewGuid().ToString("N")[..16]}";
        var now = DateTimeOffset.UtcNow;
        await s_services.GetRequiredService<IIncidentStore>().TryCreateAsync(
            new IncidentRecord(incidentId, Samples.ShopSiteId.Replace("contoso-shop", "contoso-cpu", StringComparison.Ordinal), "alert-1", "cpu-high", "Sev2", IncidentStatus.Received, "received", now, now));
        var incidents = new IncidentsFunction(s_services.GetRequiredService<IncidentsEndpoint>(), s_services.GetRequiredService<DecisionEndpoint>(), s_services.GetRequiredService<CancelEndpoint>());
        async Task<(JsonNode Incident, int Status)> GetAsync()
        {
            var get = NewContext("GET", $"/api/incidents/{incidentId}");
            var body = await ExecuteAsync(await incidents.GetAsync(get.Request, incidentId, s_durable.Client, CancellationToken.None), get);
            return (body, get.Response.StatusCode);
        }

        const string body = """{"reason":"rolling back the release"}""";
        foreach (var (token, expected) in new[]
        {
            ((string?)null, StatusCodes.Status401Unauthorized),
            (EntraTestTokens.User("mallory@contoso.com", Guid.NewGuid().ToString(), key: EntraTestTokens.ForgedKey, roles: [DecisionAuthOptions.DefaultRole]), StatusCodes.Status401Unauthorized),
            (EntraTestTokens.User("former@contoso.com", Guid.NewGuid().ToString(), roles: [DecisionAuthOptions.DefaultRole], expires: DateTime.UtcNow.AddHours(-1)), StatusCodes.Status401Unauthorized),
            (EntraTestTokens.User("intern@contoso.com", Guid.NewGuid().ToString(), roles: ["Remediation.Reader"]), StatusCodes.Status403Forbidden),
            (EntraTestTokens.App(Guid.NewGuid().ToString(), roles: [DecisionAuthOptions.DefaultRole]), StatusCodes.Status403Forbidden),
        })
        {
            var refused = NewContext("POST", $"/api/incidents/{incidentId}/cancel", body);
            if (token is not null)
            {
                refused.Request.Headers.Authorization = "Bearer " + token;
            }

            var problem = await ExecuteAsync(await incidents.CancelAsync(refused.Request, incidentId, s_durable.Client, CancellationToken.None), refused);
            Assert.AreEqual(expected, refused.Response.StatusCode, problem.ToJsonString());
            Assert.AreEqual("application/problem+json", refused.Response.ContentType);
        }

        Assert.AreEqual("Received", (await GetAsync()).Incident["status"]!.GetValue<string>(), "a refused cancel changes nothing");

        // Without DecisionAuth the Function App takes no unverified cancels: 403 saying how to do it.
        var unconfigured = new CancelEndpoint(
            new DecisionAuthenticator(Options.Create(new DecisionAuthOptions()), null, NullLogger<DecisionAuthenticator>.Instance),
            s_services.GetRequiredService<IncidentCancellation>(), s_services.GetRequiredService<IOptions<IngestOptions>>(), NullLogger<CancelEndpoint>.Instance);
        var anonymous = NewContext("POST", $"/api/incidents/{incidentId}/cancel", body);
        var howTo = await ExecuteAsync(
            await new IncidentsFunction(s_services.GetRequiredService<IncidentsEndpoint>(), s_services.GetRequiredService<DecisionEndpoint>(), unconfigured)
                .CancelAsync(anonymous.Request, incidentId, s_durable.Client, CancellationToken.None), anonymous);
        Assert.AreEqual(StatusCodes.Status403Forbidden, anonymous.Response.StatusCode);
        StringAssert.Contains(howTo["detail"]!.GetValue<string>(), "DecisionAuth__TenantId");

        var oid = Guid.NewGuid().ToString();
        var cancel = NewContext("POST", $"/api/incidents/{incidentId}/cancel", body);
        cancel.Request.Headers.Authorization = "Bearer " + EntraTestTokens.User("oncall@contoso.com", oid, roles: [DecisionAuthOptions.DefaultRole]);
        var answer = await ExecuteAsync(await incidents.CancelAsync(cancel.Request, incidentId, s_durable.Client, CancellationToken.None), cancel);
        Assert.AreEqual(StatusCodes.Status202Accepted, cancel.Response.StatusCode, answer.ToJsonString());
        Assert.AreEqual("cancelled", answer["status"]!.GetValue<string>());
        Assert.AreEqual($"https://func-api.azurewebsites.net/api/incidents/{incidentId}", cancel.Response.Headers.Location.ToString());

        var (incident, _) = await GetAsync();
        Assert.AreEqual("Cancelled", incident["status"]!.GetValue<string>(), incident.ToJsonString());
        Assert.IsTrue(incident["closed"]!.GetValue<bool>());
        var cancelled = incident["timeline"]!.AsArray().Single(t => t!["kind"]!.GetValue<string>() == "IncidentCancelled")!["message"]!.GetValue<string>();
        StringAssert.Contains(cancelled, $"Cancelled by oncall@contoso.com (Entra ID {oid})");
        StringAssert.Contains(cancelled, "rolling back the release");
        Assert.DoesNotContain("mallory", incident.ToJsonString());
    }

    private static async Task<(JsonNode Incident, int Status)> PollAsync(Func<Task<(JsonNode Incident, int Status)>> get, Func<JsonNode, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var (incident, status) = await get();
            if (until(incident) || DateTime.UtcNow > deadline)
            {
                return (incident, status);
            }

            await Task.Delay(200);
        }
    }

    [TestMethod]
    public async Task Alerts_NotJson_ProblemJson400()
    {
        var post = NewContext("POST", "/api/alerts", "{oops");

        var problem = await ExecuteAsync(
            await new AlertsFunction(s_services.GetRequiredService<AlertsEndpoint>()).RunAsync(post.Request, s_durable.Client, CancellationToken.None), post);

        Assert.AreEqual(StatusCodes.Status400BadRequest, post.Response.StatusCode);
        Assert.AreEqual("application/problem+json", post.Response.ContentType);
        Assert.AreEqual(400, problem["status"]!.GetValue<int>());
    }
}
