using System.Text;
using System.Text.Json.Nodes;
using AutoRemediate.Alerts;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
            ["Azure:ResourceManagerEndpoint"] = s_sandbox.Address.ToString(),
            ["Azure:Credential"] = "Sandbox",
            ["Azure:SandboxCertificateThumbprint"] = s_sandbox.Thumbprint,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        void Configure(IServiceCollection services) => services.AddLogging().AddAutoRemediate(configuration);
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

        var deadline = DateTime.UtcNow.AddSeconds(60);
        DefaultHttpContext get;
        JsonNode incident;
        do
        {
            await Task.Delay(200);
            get = NewContext("GET", $"/api/incidents/{incidentId}");
            incident = await ExecuteAsync(
                await new IncidentsFunction(s_services.GetRequiredService<IncidentsEndpoint>(), s_services.GetRequiredService<AutoRemediate.Approvals.DecisionEndpoint>()).GetAsync(get.Request, incidentId, CancellationToken.None), get);
        }
        while (!incident["closed"]!.GetValue<bool>() && DateTime.UtcNow < deadline);

        Assert.AreEqual(StatusCodes.Status200OK, get.Response.StatusCode);
        Assert.AreEqual("Escalated", incident["status"]!.GetValue<string>());
        Assert.AreEqual(4, incident["timeline"]!.AsArray().Count);
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
