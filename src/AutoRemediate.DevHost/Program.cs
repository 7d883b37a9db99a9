using AutoRemediate.DevHost;

// `dotnet run --project src/AutoRemediate.DevHost` serves the pipeline until Ctrl+C;
// `... -- demo` also posts a sample alert and follows its incident to the end, then exits.
var demo = args.Length > 0 && string.Equals(args[0], "demo", StringComparison.OrdinalIgnoreCase);
// In demo mode the demo's own lines tell the story; the pipeline's informational logs would interleave.
// The demo's incident ends at escalation (no hold), so the next demo run opens a fresh incident.
await using var host = await DevHostRunner.StartAsync(demo
    ? [.. args[1..], "--Logging:LogLevel:AutoRemediate=Warning", "--Workflow:EscalationHold=00:00:00"]
    : args);

Console.WriteLine($"AutoRemediate DevHost listening on {host.BaseAddress}");
Console.WriteLine($"  POST {new Uri(host.BaseAddress, "/api/alerts")}   GET {new Uri(host.BaseAddress, "/api/incidents/{id}")}");
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

if (demo)
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    var code = await DemoRunner.RunAsync(host.BaseAddress, Console.Out, TimeSpan.FromMinutes(2), cancel.Token);
    Console.WriteLine("Stopping what the DevHost started...");
    return code;
}

Console.WriteLine("DevHost ready. Press Ctrl+C to stop it and everything it started.");
await host.WaitForShutdownAsync();
Console.WriteLine("Stopping what the DevHost started...");
return 0;
