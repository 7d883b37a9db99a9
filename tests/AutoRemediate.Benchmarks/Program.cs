using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using AutoRemediate.DevHost;
using AutoRemediate.Testing;

// Ingest benchmarks against the real DevHost (in process), its own in-memory Azurite and the Sandbox.
//   ingest [seconds] [connections]  wrk drives POST /api/alerts with distinct alerts across 50 apps
//   storm [alerts] [apps]            10,000 fired alerts across 50 apps: wall time, and the incidents made
//   dump [MiB]                       a process dump from the Sandbox (ARM route) streamed into Blob Storage
//   workflow [incidents] [dumps]     that many apps alert at once; full remediations with auto-approve; time split
//   workflow-alone [incidents] [dumps] the same, one incident at a time
//   idle-start [idleSeconds] [repeats] an alert after the pipeline sat idle: local tuning vs host.json's production settings
//   never-recovers [Key=Value ...]   one incident no mitigation helps, default settings: history sizes
var command = args.FirstOrDefault() ?? "help";
var invariant = CultureInfo.InvariantCulture;
if (command is not ("ingest" or "storm" or "dump" or "workflow" or "workflow-alone" or "never-recovers" or "idle-start"))
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/AutoRemediate.Benchmarks -- ingest [seconds=60] [connections=32] | storm [alerts=10000] [apps=50] | dump [MiB=2048] | workflow [incidents=50] [dumps=on|off] | workflow-alone [incidents=5] [dumps=on|off] | never-recovers [Section:Key=value ...] | idle-start [idleSeconds=30] [repeats=3] [host.json]");
    return 2;
}

var ports = new[] { DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort() };
await using var azurite = await AzuriteLauncher.StartAsync(new AzuriteSettings(ports[0], ports[1], ports[2], Location: null));
if (command == "never-recovers")
{
    return await HistoryBenchmark.RunAsync(azurite.ConnectionString, args[1..]);
}

if (command == "idle-start")
{
    return await IdleStartBenchmark.RunAsync(azurite.ConnectionString, args.Length > 1 ? int.Parse(args[1], invariant) : 30, args.Length > 2 ? int.Parse(args[2], invariant) : 3,
        args.Length > 3 ? args[3] : null);
}

if (command is "workflow" or "workflow-alone")
{
    var alone = command == "workflow-alone";
    return await WorkflowBenchmark.RunAsync(azurite.ConnectionString, args.Length > 1 ? int.Parse(args[1], invariant) : alone ? 5 : 50,
        dumps: args.Length <= 2 || args[2] != "off", alone: alone);
}

await using var host = await InProcessDevHost.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
var alertsUrl = new Uri(host.BaseAddress, "/api/alerts");
string Site(int app) => $"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-bench/providers/Microsoft.Web/sites/bench-app-{app:D3}";
Console.WriteLine($"DevHost at {host.BaseAddress}; Azurite in memory on {string.Join(", ", ports)}; {Environment.ProcessorCount} cores");

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
    var wrkArgs = $"-t2 -c{connections} -d{seconds}s --latency -s {script} {alertsUrl}";
    Console.WriteLine($"wrk {wrkArgs}");
    var wrk = Process.Start(new ProcessStartInfo("wrk", wrkArgs) { RedirectStandardOutput = true }) ?? throw new InvalidOperationException("wrk not found: apt-get install wrk");
    var output = await wrk.StandardOutput.ReadToEndAsync();
    await wrk.WaitForExitAsync();
    Console.WriteLine(output);
    string Find(string pattern) => Regex.Match(output, pattern, RegexOptions.Multiline).Groups[1].Value;
    Console.WriteLine($"RESULT requests/s={Find(@"Requests/sec:\s+([\d.]+)")} p50={Find(@"^\s+50%\s+(\S+)")} p99={Find(@"^\s+99%\s+(\S+)")} " +
        $"non2xx={(Find(@"Non-2xx or 3xx responses:\s+(\d+)") is { Length: > 0 } n ? n : "0")} socketErrors={(Find(@"Socket errors:(.*)$") is { Length: > 0 } s ? s.Trim() : "none")}");
    return 0;
}

var total = args.Length > 1 ? int.Parse(args[1], invariant) : 10_000;
var apps = args.Length > 2 ? int.Parse(args[2], invariant) : 50;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
var statuses = new System.Collections.Concurrent.ConcurrentDictionary<HttpStatusCode, int>();
var stopwatch = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
{
    var alert = Samples.MetricAlertFor(Site(i % apps));
    using var response = await http.PostAsync(alertsUrl, new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"), ct);
    statuses.AddOrUpdate(response.StatusCode, 1, (_, c) => c + 1);
});
stopwatch.Stop();

var incidents = 0;
var repeats = 0;
await foreach (var row in new TableServiceClient(azurite.ConnectionString).GetTableClient("Incidents").QueryAsync<TableEntity>())
{
    incidents++;
    repeats += row.GetInt32("RepeatCount") ?? 0;
}

Console.WriteLine($"RESULT storm alerts={total} apps={apps} seconds={stopwatch.Elapsed.TotalSeconds.ToString("0.0", invariant)} " +
    $"alerts/s={(total / stopwatch.Elapsed.TotalSeconds).ToString("0", invariant)} statuses={string.Join(",", statuses.Select(s => $"{(int)s.Key}x{s.Value}"))} " +
    $"incidents={incidents} repeats={repeats}");
return incidents == apps && repeats == total - apps ? 0 : 1;
