using System.Collections.Concurrent;
using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Core.Tests.Workflow;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using AutoRemediate.Testing;
using AutoRemediate.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Core.Tests.Telemetry;

/// <summary>
/// Issue 14 point 6: every log line an incident's activities write carries its incident id and app as
/// logger scope values (what Application Insights shows as customDimensions.IncidentId / App).
/// </summary>
[TestClass]
public sealed class IncidentLogScopeTests
{
    private static SandboxFixture s_sandbox = null!;

    [ClassInitialize]
    public static async Task StartSandboxAsync(TestContext context) => s_sandbox = await SandboxFixture.StartAsync();

    [ClassCleanup]
    public static async Task StopSandboxAsync() => await s_sandbox.DisposeAsync();

    [TestMethod]
    public async Task Activities_WhileAnIncidentRuns_EveryCoreLogLineCarriesIncidentIdAndApp()
    {
        await s_sandbox.ResetAsync();
        var capture = new CapturingLoggerProvider();
        var target = SandboxFixture.SiteId("contoso-shop");
        var tables = TestServices.UniqueTables();
        var store = TestServices.Store(tables);
        var settings = FastWorkflow.Settings();
        settings["Workflow:AutoApprove"] = "true";
        var now = DateTimeOffset.UtcNow;
        var started = await FastWorkflow.StartMemoryRemediationAsync(store, target, settings, s =>
        {
            TestServices.AddCore(s, s_sandbox, tables, settings);
            s.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(capture));
        }, window: new EvaluationWindow(TimeSpan.FromMinutes(1), now.AddMinutes(-1), now));
        await using var host = started.Host;
        var (incidentId, instanceId) = (started.IncidentId, started.InstanceId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var completed = await host.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);

        Assert.AreEqual(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus, completed.FailureDetails?.ToString());
        var core = capture.Records.Where(r => r.Category.StartsWith("AutoRemediate.", StringComparison.Ordinal)).ToList();
        var names = core.Select(r => r.EventName).ToHashSet();
        // What a user looks for: the incident opened, the action sent, the incident closed — all under the incident.
        foreach (var expected in new[] { "IncidentOpened", "ActionSent", "IncidentClosed" })
        {
            Assert.Contains(expected, names, "logged: " + string.Join(", ", names));
        }

        foreach (var record in core)
        {
            Assert.AreEqual(incidentId, record.Scope(IncidentLogScope.IncidentIdKey), $"{record.Category} {record.EventName}: '{record.Message}' has no IncidentId");
            Assert.AreEqual("contoso-shop", record.Scope(IncidentLogScope.AppKey), $"{record.Category} {record.EventName}: '{record.Message}' has no App");
        }
    }

    // Outside the workflow too: what a decision or a cancel logs about an incident carries its id and app.
    [TestMethod]
    public async Task DecisionAndCancel_RefusedOnAnIncident_LogLinesCarryIncidentIdAndApp()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        TestServices.AddCore(services, null, TestServices.UniqueTables());
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(capture));
        await using var provider = services.BuildServiceProvider();
        var target = SandboxFixture.SiteId("contoso-shop");
        var incidentId = "inc-20261130-00000000000000c1";
        var store = provider.GetRequiredService<IIncidentStore>();
        await store.TryCreateAsync(new IncidentRecord(incidentId, target, "alert", "memory-high", "Sev2", IncidentStatus.Received, "received", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        await store.UpdateStatusAsync(incidentId, IncidentStatus.Resolved, "healthy again", DateTimeOffset.UtcNow);
        // Refusals never reach the Durable backend: a strict mock proves it.
        var client = new Moq.Mock<Microsoft.DurableTask.Client.DurableTaskClient>(Moq.MockBehavior.Strict, "test").Object;

        var decided = await provider.GetRequiredService<AutoRemediate.Approvals.ApprovalDecisions>().DecideAsync(incidentId, new AutoRemediate.Approvals.DecisionRequest("no-such-request", true, "oncall@contoso.com", null), client);
        var cancelled = await provider.GetRequiredService<IncidentCancellation>().CancelAsync(incidentId, "oncall@contoso.com", null, client);

        Assert.AreNotEqual(AutoRemediate.Approvals.DecisionDisposition.Forwarded, decided.Disposition);
        Assert.AreEqual(CancelDisposition.AlreadyClosed, cancelled.Disposition);
        var refusals = capture.Records.Where(r => r.EventName is "DecisionRefused" or "CancelRefused").ToList();
        Assert.HasCount(2, refusals, string.Join(", ", capture.Records.Select(r => r.EventName)));
        foreach (var record in refusals)
        {
            Assert.AreEqual(incidentId, record.Scope(IncidentLogScope.IncidentIdKey), record.Message);
            Assert.AreEqual("contoso-shop", record.Scope(IncidentLogScope.AppKey), record.Message);
        }
    }

    [TestMethod]
    public void BeginFor_ActivityInputs_ReadsIncidentAndAppFromEachShape()
    {
        var capture = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture));
        var logger = factory.CreateLogger("AutoRemediate.Test");
        var site = Samples.ShopSiteId;
        object[] inputs =
        [
            new OpenIncidentRequest("inc-1", 1, DateTimeOffset.UtcNow, "m"),
            new ActionRequest("a", "inc-1", site, PlanKind.RestartApp, DateTimeOffset.UtcNow),
            new[] { new TimelineEntry("inc-1", 1, DateTimeOffset.UtcNow, "k", "m") },
            site,
        ];

        foreach (var input in inputs)
        {
            using (IncidentLogScope.BeginFor(logger, input))
            {
                logger.LogWarning("one line");
            }
        }

        var records = capture.Records.ToList();
        Assert.HasCount(4, records);
        Assert.AreEqual("inc-1", records[0].Scope(IncidentLogScope.IncidentIdKey));
        Assert.AreEqual("inc-1", records[1].Scope(IncidentLogScope.IncidentIdKey));
        Assert.AreEqual("contoso-shop", records[1].Scope(IncidentLogScope.AppKey));
        Assert.AreEqual("inc-1", records[2].Scope(IncidentLogScope.IncidentIdKey));
        Assert.AreEqual("contoso-shop", records[3].Scope(IncidentLogScope.AppKey));
        Assert.IsNull(records[3].Scope(IncidentLogScope.IncidentIdKey));
    }

    [TestMethod]
    public void AppName_SiteAndSlotIds_TheAppNameElseNull()
    {
        Assert.AreEqual("contoso-shop", IncidentLogScope.AppName(Samples.ShopSiteId));
        Assert.AreEqual("contoso-shop/slots/staging", IncidentLogScope.AppName(Samples.ShopSiteId + "/slots/staging"));
        Assert.IsNull(IncidentLogScope.AppName("/subscriptions/1/resourceGroups/rg/providers/Microsoft.Web/serverfarms/plan"));
        Assert.IsNull(IncidentLogScope.AppName(null));
    }

    private sealed record Captured(string Category, string? EventName, string Message, IReadOnlyList<KeyValuePair<string, object?>> Scopes)
    {
        public string? Scope(string key) => Scopes.LastOrDefault(s => s.Key == key).Value?.ToString();
    }

    /// <summary>A logger provider that keeps every record with the scope values in force (as OpenTelemetry's IncludeScopes does).</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<Captured> Records { get; } = new();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<KeyValuePair<string, object?>>();
                provider._scopes.ForEachScope(
                    (scope, list) =>
                    {
                        if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            list.AddRange(pairs);
                        }
                    },
                    scopes);
                provider.Records.Enqueue(new Captured(category, eventId.Name, formatter(state, exception), scopes));
            }
        }
    }
}
