using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The eight scenarios of the remediation workflow, each on a DevHost of its own (its own Sandbox and
/// tables) with auto-approve: the same definitions and runner as <c>demo --scenario &lt;name&gt;</c>.
/// Each asserts what an on-call engineer would check: the incident's end, its timeline, and what the
/// Sandbox's request log says was done to the app.
/// </summary>
[TestClass]
public sealed class ScenarioTests
{
    public static IEnumerable<object[]> Scenarios => DemoScenario.All.Select(s => new object[] { s.Name });

    private static async Task<(ScenarioObservation Observation, IReadOnlyList<LoggedRequest> Requests, string Output)> RunAsync(string name)
    {
        var scenario = DemoScenario.Find(name)!;
        var settings = DemoRunner.SettingsFor(scenario, autoApprove: true, Guid.NewGuid().ToString("N")[..10]);
        await using var host = await InProcessDevHost.StartAsync(AzuriteFixture.ConnectionString, settings);
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var observation = await DemoRunner.RunAsync(host, scenario, output, TimeSpan.FromMinutes(2), timeout.Token);

        Assert.IsNotNull(observation, output.ToString());
        return (observation, host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot(), output.ToString());
    }

    [TestMethod]
    [DynamicData(nameof(Scenarios))]
    public async Task Scenario_EndsAsExpected(string name)
    {
        var (observation, requests, output) = await RunAsync(name);

        Assert.IsNull(DemoScenario.Find(name)!.Verify(observation), output);
        // Every incident says why its plan was chosen, and nothing the pipeline sent to the app failed.
        Assert.IsTrue(observation.Has("PlanChosen") || observation.Has("PlanAlert"), output);
        Assert.IsFalse(requests.Any(r => r.Method is "POST" or "PATCH" or "DELETE" && r.Status >= 400), output);
    }

    [TestMethod]
    public async Task MemoryLeak_DumpIsTakenBeforeTheRestart()
    {
        var (observation, requests, output) = await RunAsync("memory-leak");

        var dump = requests.Last(r => r.Method == "GET" && r.Path.EndsWith("/dump", StringComparison.Ordinal) && r.Status == 200);
        var restart = requests.Single(r => r.Method == "POST" && r.Path.EndsWith("/sites/contoso-shop/restart", StringComparison.Ordinal));
        Assert.IsLessThan(restart.Sequence, dump.Sequence, output);
        Assert.AreEqual(1, observation.App["restartCount"]!.GetValue<int>());
        StringAssert.Contains(observation.Incident["summary"]!.GetValue<string>(), "RestartApp brought the app back");
    }

    [TestMethod]
    public async Task OneBadInstance_OnlyTheSickInstanceIsTouched()
    {
        var (observation, requests, output) = await RunAsync("one-bad-instance");

        var kill = requests.Single(r => r.Method == "DELETE" && r.Path.Contains("/processes/", StringComparison.Ordinal));
        var sick = observation.App["instanceIds"]!.AsArray()[0]!.GetValue<string>();
        StringAssert.Contains(kill.Path, $"/instances/{sick}/", output);
        Assert.AreEqual(0, observation.App["restartCount"]!.GetValue<int>());

        // The metrics name the machine (RD + 12 hex, as in Azure), the plan names the ARM instance: both, once each.
        var machine = "RD" + sick[..12].ToUpperInvariant();
        var timeline = observation.Incident["timeline"]!.AsArray();
        string Message(string kind) => timeline.First(t => t!["kind"]!.GetValue<string>() == kind)!["message"]!.GetValue<string>();
        var plan = Message("PlanChosen");
        var diagnosed = Message("DiagnosticsCollected");
        StringAssert.Contains(plan, $"Only instance {sick[..8]} ({machine}) of 3 is unhealthy", output);
        StringAssert.StartsWith(diagnosed, "3 instance(s)", output);
        Assert.AreEqual(1, diagnosed.Split($"{sick[..8]} ({machine}):").Length - 1, diagnosed);
    }

    [TestMethod]
    public async Task CpuSaturation_ScaleOutCarriesTheAutoscaleWarning()
    {
        var (observation, _, output) = await RunAsync("cpu-saturation");

        var plan = observation.Incident["timeline"]!.AsArray().First(t => t!["kind"]!.GetValue<string>() == "PlanChosen")!["message"]!.GetValue<string>();
        StringAssert.Contains(plan, "ScaleOut", output);
        StringAssert.Contains(plan, "CPU is high on all 2 instances", output); // the plan's 2 workers, each named once
        StringAssert.Contains(plan, "autoscale setting (range 2-5)", output);
        Assert.AreEqual(1, observation.App["scaleOperations"]!.GetValue<int>());
    }
}
