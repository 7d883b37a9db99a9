using AutoRemediate.DevHost;
using Microsoft.Extensions.Configuration;

// `dotnet run --project src/AutoRemediate.DevHost` serves the pipeline until Ctrl+C.
// `... -- demo [--scenario <name>] [--auto-approve]` runs one scenario against the Sandbox (default
// memory-leak), prints each step and the final incident, and exits 0 only when it ended as expected.
var demo = args.Length > 0 && string.Equals(args[0], "demo", StringComparison.OrdinalIgnoreCase);
DemoScenario? scenario = null;
var autoApprove = false;
var hostArgs = new List<string>(demo ? args[1..] : args);
if (demo)
{
    autoApprove = hostArgs.Remove("--auto-approve");
    var at = hostArgs.IndexOf("--scenario");
    var name = "memory-leak";
    if (at >= 0)
    {
        name = at + 1 < hostArgs.Count ? hostArgs[at + 1] : string.Empty;
        hostArgs.RemoveRange(at, Math.Min(2, hostArgs.Count - at));
    }

    scenario = DemoScenario.Find(name);
    if (scenario is null)
    {
        Console.Error.WriteLine($"demo: unknown scenario '{name}'. Scenarios: {string.Join(", ", DemoScenario.All.Select(s => s.Name))}.");
        return 2;
    }

    // The demo's own lines tell the story; the pipeline's informational logs would interleave.
    hostArgs.Add("--Logging:LogLevel:AutoRemediate=Warning");
}

var demoSettings = scenario is null ? null : DemoRunner.SettingsFor(scenario, autoApprove, DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture));
await using var host = await DevHostRunner.StartAsync([.. hostArgs], demoSettings is null ? null : builder => builder.Configuration.AddInMemoryCollection(demoSettings));

Console.WriteLine($"AutoRemediate DevHost listening on {host.BaseAddress}");
Console.WriteLine($"  POST {new Uri(host.BaseAddress, "/api/alerts")}   GET {new Uri(host.BaseAddress, "/api/incidents/{id}")}   POST {new Uri(host.BaseAddress, "/api/incidents/{id}/decision")}");
Console.WriteLine(host.Azurite switch
{
    null => "  storage: AzureWebJobsStorage as configured",
    { StartedByUs: true } a => $"  Azurite started (pid {a.ProcessId}): blob {a.Settings.BlobPort}, queue {a.Settings.QueuePort}, table {a.Settings.TablePort}",
    { } a => $"  Azurite already running: blob {a.Settings.BlobPort}, queue {a.Settings.QueuePort}, table {a.Settings.TablePort}",
});
Console.WriteLine(host.SandboxAddress is { } sandbox
    ? $"  Sandbox (simulated App Service) on {sandbox} — GET {new Uri(sandbox, "/sandbox/apps")} lists the apps"
    : "  Sandbox not started: Azure:ResourceManagerEndpoint as configured");
Console.WriteLine("  Durable Task SDK worker running the Remediation orchestration in process (Durable backend: "
    + host.Options.DurableBackend + ")");

if (scenario is not null)
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    var observation = await DemoRunner.RunAsync(host, scenario, Console.Out, autoApprove ? TimeSpan.FromMinutes(3) : TimeSpan.FromMinutes(8), cancel.Token);
    var problem = observation is null ? "the incident did not end" : scenario.Verify(observation);
    Console.WriteLine(problem is null
        ? $"demo: scenario '{scenario.Name}' ended as expected ({scenario.ExpectedStatus})."
        : $"demo: scenario '{scenario.Name}' did NOT end as expected: {problem}.");
    Console.WriteLine("Stopping what the DevHost started...");
    return problem is null ? 0 : 1;
}

Console.WriteLine("DevHost ready. Press Ctrl+C to stop it and everything it started.");
await host.WaitForShutdownAsync();
Console.WriteLine("Stopping what the DevHost started...");
return 0;
