using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using AutoRemediate.DevHost;
using AutoRemediate.Testing;

// Benchmarks against the real DevHost (in process), its own Azurite (see azuriteOnDisk below) and the Sandbox.
//   ingest [seconds] [connections]  wrk drives POST /api/alerts with distinct alerts across 50 apps
//   storm [alerts] [apps]            10,000 fired alerts across 50 apps: wall time, and the incidents made
//   first-alerts [apps]              one first alert for each of that many apps: every request starts an orchestration
// ingest, storm and first-alerts measure in the same run a reference (IngestReference: 32 writers inserting one Azurite
// table row each per request) and print both and the ratios; they use the DevHost's Azure Storage Durable backend.
//   dump [MiB]                       a process dump from the Sandbox (ARM route) streamed into Blob Storage
//   workflow [incidents] [dumps] [durable] [one|blob-apart|blob-apart-niced] that many apps alert at once (after a first storm); full remediations with
//                                    auto-approve; time split; then the Durable floor (durable-floor) in the same run
//   workflow-alone [incidents] [dumps] the same, one incident at a time
//   idle-start [idleSeconds] [repeats] an alert after the pipeline sat idle: local tuning vs host.json's production settings
//   never-recovers [Key=Value ...]   one incident no mitigation helps, default settings: history sizes
//   durable-floor [incidents] [local|production|host.json path] the workflow's Durable shape with no-op activities, that many at once
var command = args.FirstOrDefault() ?? "help";
var invariant = CultureInfo.InvariantCulture;
if (command is not ("ingest" or "storm" or "first-alerts" or "dump" or "workflow" or "workflow-alone" or "never-recovers" or "idle-start" or "durable-floor"))
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/AutoRemediate.Benchmarks -- ingest [seconds=60] [connections=32] | storm [alerts=10000] [apps=50] | first-alerts [apps=1000] | dump [MiB=2048] | workflow [incidents=50] [dumps=on|off] [local|production|host.json path] [one|blob-apart|blob-apart-niced] | workflow-alone [incidents=5] [dumps=on|off] [local|production|host.json path] [one|blob-apart|blob-apart-niced] | never-recovers [Section:Key=value ...] | idle-start [idleSeconds=30] [repeats=3] [host.json] | durable-floor [incidents=50] [local|production|host.json path]");
    return 2;
}

var ports = new[] { DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort() };
// Where Azurite keeps its data: on disk in a temporary directory (as the DevHost runs by default) for the Durable
// storms (workflow, workflow-alone, durable-floor), in memory for the rest; BENCH_AZURITE=disk|memory overrides.
// In memory, Azurite stores each queue message's body as an extent of its own, and its queue sweep (every 60 s)
// deletes the dequeued ones one by one, each rebuilding the extents' index: after a storm's thousands of Durable
// messages it holds Azurite's one event loop for 12-18 s (measured: benchmarks.md, "Issue 15, seventh pass"), which
// landed in the Durable floor of about one `workflow` run in three. On disk the messages share extent files.
var azuriteMode = Environment.GetEnvironmentVariable("BENCH_AZURITE");
if (azuriteMode is not (null or "" or "disk" or "memory"))
{
    Console.Error.WriteLine($"BENCH_AZURITE must be disk or memory, not '{azuriteMode}'.");
    return 2;
}

var azuriteOnDisk = azuriteMode switch
{
    "disk" => true,
    "memory" => false,
    _ => command is "workflow" or "workflow-alone" or "durable-floor",
};
var azuriteLocation = azuriteOnDisk ? Directory.CreateTempSubdirectory("autoremediate-bench-azurite-").FullName : null;
await using var azurite = await AzuriteLauncher.StartAsync(new AzuriteSettings(ports[0], ports[1], ports[2], Location: azuriteLocation));
Console.WriteLine($"Azurite: {(azuriteLocation is null ? "in memory" : "on disk in " + azuriteLocation)}");
if (azuriteLocation is not null)
{
    // After Azurite has been stopped (the await using above ends with the program).
    AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            Directory.Delete(azuriteLocation, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left in the temporary directory.
        }
    };
}
CpuMeter.AzuriteProcessGroups = [azurite.ProcessId];
if (command == "never-recovers")
{
    return await HistoryBenchmark.RunAsync(azurite.ConnectionString, args[1..]);
}

if (command == "idle-start")
{
    return await IdleStartBenchmark.RunAsync(azurite.ConnectionString, args.Length > 1 ? int.Parse(args[1], invariant) : 30, args.Length > 2 ? int.Parse(args[2], invariant) : 3,
        args.Length > 3 ? args[3] : null);
}

if (command == "durable-floor")
{
    return (await DurableFloorBenchmark.RunAsync(azurite.ConnectionString, args.Length > 1 ? int.Parse(args[1], invariant) : 50, HostJson(args.Length > 2 ? args[2] : null))).ExitCode;
}

if (command is "workflow" or "workflow-alone")
{
    var alone = command == "workflow-alone";
    var count = args.Length > 1 ? int.Parse(args[1], invariant) : alone ? 5 : 50;
    var hostJson = HostJson(args.Length > 3 ? args[3] : null);
    // Storage: one Azurite (as the DevHost runs), or "blob-apart": the Blob service from a second Azurite process, Queue
    // and Table from the first. In Azure the three services of one account are separate front ends on machines other
    // than the instance's; in one Azurite they share one Node.js event loop, and a dump's blocks queue every table
    // and queue request of the storm behind them. The second process still shares this machine's 2 cores.
    // "blob-apart-niced": the same, the Blob Azurite at the lowest CPU priority (nice 19), so that the dumps' storage
    // takes only the cores the pipeline leaves idle: the nearest this machine comes to storage off the instance.
    var layout = args.Length > 4 ? args[4] : "one";
    if (layout is not ("one" or "blob-apart" or "blob-apart-niced"))
    {
        Console.WriteLine($"storage layout '{layout}': expected one, blob-apart or blob-apart-niced");
        return 2;
    }

    await using var blobAzurite = layout != "one"
        ? await AzuriteLauncher.StartAsync(new AzuriteSettings(DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort(), Location: null))
        : null;
    var storage = azurite.ConnectionString;
    if (blobAzurite is not null)
    {
        CpuMeter.AzuriteProcessGroups = [azurite.ProcessId, blobAzurite.ProcessId];
        if (layout == "blob-apart-niced")
        {
            using var renice = Process.Start("renice", ["-n", "19", "-g", blobAzurite.ProcessId!.Value.ToString(invariant)])!;
            await renice.WaitForExitAsync();
        }

        storage = storage.Replace($"BlobEndpoint=http://127.0.0.1:{azurite.Settings.BlobPort}/", $"BlobEndpoint=http://127.0.0.1:{blobAzurite.Settings.BlobPort}/", StringComparison.Ordinal);
    }

    Console.WriteLine($"storage: {layout} (Blob on port {(blobAzurite ?? azurite).Settings.BlobPort}, Queue and Table on {azurite.Settings.QueuePort} and {azurite.Settings.TablePort})");
    var run = await WorkflowBenchmark.RunAsync(storage, count, dumps: args.Length <= 2 || args[2] != "off", alone: alone, hostJson: hostJson);
    if (alone)
    {
        return run.ExitCode;
    }

    // The reference in the same run, on the same Azurite and settings: Durable alone, with the workflow's shape and
    // no-op activities (DurableFloorBenchmark). What the pipeline adds is the overhead beyond it.
    var floor = await DurableFloorBenchmark.RunAsync(storage, count, hostJson);
    Console.WriteLine(string.Create(invariant, $"RESULT against the Durable floor: overhead p95={run.OverheadP95Ms:0}ms, floor p95={floor.P95Ms:0}ms (ratio {run.OverheadP95Ms / floor.P95Ms:0.00}); median {run.OverheadMedianMs:0}ms against {floor.MedianMs:0}ms"));
    return run.ExitCode | floor.ExitCode;
}

var hostSettings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" };
if (command is "ingest" or "storm" or "first-alerts")
{
    // Starting orchestrations is real work on the Azure Storage backend (the in-memory one would flatter it). The
    // bench apps are not Sandbox apps: their remediation cannot read the site, escalates, and stays live in its
    // escalation hold (4 h, set here explicitly), so every later alert is a repeat of an app under remediation.
    hostSettings[ConfigKeys.DevHostDurableBackend] = DurableBackends.AzureStorage;
    hostSettings["DevHost:TaskHub"] = "Ingest" + Guid.NewGuid().ToString("N")[..8];
    hostSettings["Workflow:EscalationHold"] = "04:00:00";
    hostSettings["Policy:FleetBreakerApps"] = "10000";
}

await using var host = await InProcessDevHost.StartAsync(azurite.ConnectionString, hostSettings);
var alertsUrl = new Uri(host.BaseAddress, "/api/alerts");
string Site(int app) => $"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-bench/providers/Microsoft.Web/sites/bench-app-{app:D3}";
Console.WriteLine($"DevHost at {host.BaseAddress}; Azurite on {string.Join(", ", ports)}; {Environment.ProcessorCount} cores");

if (command == "dump")
{
    return await DumpBenchmark.RunAsync(host, args.Length > 1 ? long.Parse(args[1], invariant) : 2048);
}

if (command == "ingest")
{
    var seconds = args.Length > 1 ? int.Parse(args[1], invariant) : 60;
    var connections = args.Length > 2 ? int.Parse(args[2], invariant) : 32;
    // The body template is a real common-schema metric alert; the Lua script gives every request its
    // own alert id and cycles through 50 apps, as an alert storm would.
    var template = Samples.MetricAlertFor("__TARGET__", alertId: "__ALERT__", firedAt: new DateTimeOffset(2025, 4, 15, 18, 17, 12, TimeSpan.Zero)).ToJsonString();
    var script = Path.Combine(Path.GetTempPath(), "autoremediate-ingest.lua");
    await File.WriteAllTextAsync(script, $$"""
        local template = [==[{{template}}]==]
        local counter = 0
        request = function()
          counter = counter + 1
          local app = counter % 50
          local body = template:gsub("__ALERT__", "/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/bench-" .. math.random(1, 1000000000) .. "-" .. counter)
          body = body:gsub("__TARGET__", string.format("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-bench/providers/Microsoft.Web/sites/bench-app-%03d", app))
          return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
        end
        """);
    // Every request of the measured run must be a repeat of an app under remediation: start all 50 first, and wait
    // until each workflow has settled (live, escalated in its hold), so no start and no workflow step runs meanwhile.
    using (var warm = new HttpClient())
    {
        await IngestReference.StartAndSettleAsync(warm, alertsUrl, Enumerable.Range(0, 50).Select(Site));
    }

    var reference = await IngestReference.MeasureAsync(azurite.ConnectionString, connections, TimeSpan.FromSeconds(seconds));
    Console.WriteLine(reference);
    var wrkArgs = $"-t2 -c{connections} -d{seconds}s --latency -s {script} {alertsUrl}";
    Console.WriteLine($"wrk {wrkArgs}");
    var wrk = Process.Start(new ProcessStartInfo("wrk", wrkArgs) { RedirectStandardOutput = true }) ?? throw new InvalidOperationException("wrk not found: apt-get install wrk");
    var output = await wrk.StandardOutput.ReadToEndAsync();
    await wrk.WaitForExitAsync();
    Console.WriteLine(output);
    string Find(string pattern) => Regex.Match(output, pattern, RegexOptions.Multiline).Groups[1].Value;
    var rps = double.Parse(Find(@"Requests/sec:\s+([\d.]+)"), invariant);
    var p99 = IngestReference.WrkMilliseconds(Find(@"^\s+99%\s+(\S+)"));
    Console.WriteLine($"RESULT ingest requests/s={rps.ToString("0", invariant)} p50={Find(@"^\s+50%\s+(\S+)")} p99={Find(@"^\s+99%\s+(\S+)")} " +
        $"non2xx={(Find(@"Non-2xx or 3xx responses:\s+(\d+)") is { Length: > 0 } n ? n : "0")} socketErrors={(Find(@"Socket errors:(.*)$") is { Length: > 0 } s ? s.Trim() : "none")} | " +
        $"reference rows/s={reference.PerSecond.ToString("0", invariant)} p50={reference.P50.ToString("0.0", invariant)}ms p99={reference.P99.ToString("0.0", invariant)}ms | " +
        $"throughput={(100 * rps / reference.PerSecond).ToString("0", invariant)}% p99={(p99 / reference.P99).ToString("0.00", invariant)}x");
    return 0;
}

if (command == "first-alerts")
{
    var appCount = args.Length > 1 ? int.Parse(args[1], invariant) : 1000;
    var firstReference = await IngestReference.MeasureCountAsync(azurite.ConnectionString, 32, appCount);
    Console.WriteLine(firstReference);
    var first = await IngestReference.PostAllAsync(alertsUrl, Enumerable.Range(0, appCount).Select(i => Samples.MetricAlertFor(FirstSite(i)).ToJsonString()), 32);
    Console.WriteLine($"RESULT first-alerts apps={appCount} {first} | reference {firstReference} | " +
        $"throughput={(100 * first.PerSecond / firstReference.PerSecond).ToString("0", invariant)}% p99={(first.P99 / firstReference.P99).ToString("0.00", invariant)}x");
    return first.Statuses.Keys.All(k => k == HttpStatusCode.Accepted) ? 0 : 1;
}

var total = args.Length > 1 ? int.Parse(args[1], invariant) : 10_000;
var apps = args.Length > 2 ? int.Parse(args[2], invariant) : 50;
// The reference first (the same count of single-row inserts at the same concurrency), then the storm itself.
var stormReference = await IngestReference.MeasureCountAsync(azurite.ConnectionString, 32, total);
Console.WriteLine(stormReference);
var storm = await IngestReference.PostAllAsync(alertsUrl, Enumerable.Range(0, total).Select(i => Samples.MetricAlertFor(Site(i % apps)).ToJsonString()), 32);

var incidents = 0;
var repeats = 0;
await foreach (var row in new TableServiceClient(azurite.ConnectionString).GetTableClient("Incidents").QueryAsync<TableEntity>(select: ["RowKey", "RepeatCount"]))
{
    // Incident rows (with the counter rows kept before repeat rows existed), and the repeat rows themselves.
    if (row.RowKey == "incident")
    {
        incidents++;
        repeats += row.GetInt32("RepeatCount") ?? 0;
    }
    else if (row.RowKey.StartsWith("repeat_", StringComparison.Ordinal))
    {
        repeats++;
    }
}

Console.WriteLine($"RESULT storm alerts={total} apps={apps} {storm} incidents={incidents} repeats={repeats} | reference {stormReference} | " +
    $"throughput={(100 * storm.PerSecond / stormReference.PerSecond).ToString("0", invariant)}% p99={(storm.P99 / stormReference.P99).ToString("0.00", invariant)}x");
return incidents == apps && repeats == total - apps ? 0 : 1;

string FirstSite(int app) => $"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-first/providers/Microsoft.Web/sites/first-app-{app:D5}";

// "local" or nothing: the DevHost's local tuning; "production": the repository's host.json; anything else: a host.json path.
static string? HostJson(string? argument) =>
    argument is null or "local" ? null : argument == "production" ? Path.Combine(Samples.RepositoryRoot, "host.json") : argument;
