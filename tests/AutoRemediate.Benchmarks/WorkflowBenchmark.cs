using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoRemediate.DevHost;
using AutoRemediate.Incidents;
using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// <c>workflow [incidents=50] [dumps=on|off] [local|production|host.json path]</c>: that many memory-leak apps (one plan
/// each) alert at once, after a first storm over as many other apps has run to its end (reported too, as
/// <c>first-storm</c>); Program then runs the Durable floor (<see cref="DurableFloorBenchmark"/>) in the same process;
/// <c>workflow-alone [incidents=5] [dumps=on|off] [...]</c>: one after another, each once the one before sent its restart.
/// The DevHost runs every remediation with auto-approve to the end. Reports alert received → restart request sent
/// (the POST the Sandbox logged for that app, minus the moment the alert was posted), its split into ARM/Kudu calls,
/// the dump and the pipeline's own overhead (<see cref="WorkflowTiming"/>), and the size of each orchestration's
/// history as the Azure Storage backend stores it (the DevHost's default backend).
/// </summary>
internal static class WorkflowBenchmark
{
    public static async Task<WorkflowRun> RunAsync(string storage, int count, bool dumps = true, bool alone = false, string? hostJson = null)
    {
        var production = hostJson is not null;
        var invariant = CultureInfo.InvariantCulture;
        var appsFile = Path.Combine(Path.GetTempPath(), $"autoremediate-bench-apps-{Guid.NewGuid():N}.json");
        // One more app than measured: the warm-up incident (index count), run to its restart before the clock starts,
        // so the figures do not include the first request's JIT and connection set-up. All at once, a first storm over
        // as many other apps (indexes count + 1 to 2 × count) runs to its end before the measured one: a process that
        // has been up a while has its code compiled at full optimization, and one incident does not get it there.
        // BENCH_FIRST_STORMS=N runs N such storms (over N × count other apps) before the measured one; 1 by default.
        var firstStorms = int.TryParse(Environment.GetEnvironmentVariable("BENCH_FIRST_STORMS"), NumberStyles.None, invariant, out var storms) && storms is >= 1 and <= 3 ? storms : 1;
        await File.WriteAllTextAsync(appsFile, AppsJson(alone ? count + 1 : ((firstStorms + 1) * count) + 1));
        var taskHub = "Bench" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            // The DevHost's own backend (InProcessDevHost defaults to the in-memory one for tests).
            [ConfigKeys.DevHostDurableBackend] = DurableBackends.AzureStorage,
            ["DevHost:TaskHub"] = taskHub,
            ["DevHost:SandboxAppsPath"] = appsFile,
            ["Workflow:AutoApprove"] = "true",
            ["Workflow:EscalationHold"] = "00:00:00",
            ["Workflow:VerifyInterval"] = BenchVerification.Interval.ToString("c", invariant),
            ["Workflow:VerifyHealthyFor"] = BenchVerification.HealthyFor.ToString("c", invariant),
            ["Workflow:VerifyDeadline"] = BenchVerification.Deadline.ToString("c", invariant),
            // A benchmark of one fleet-wide storm, not of the guardrails that would (rightly) stop it.
            ["Policy:FleetBreakerApps"] = "10000",
            ["Policy:MaxConcurrentActions"] = "1000",
            ["Evidence:DumpsEnabled"] = dumps ? "true" : "false",
            // "production": the Durable settings of the repository's host.json (or of another host.json) instead of the
            // DevHost's local tuning.
            [ConfigKeys.DevHostDurableHostJson] = hostJson,
        };
        using var spans = new SpanRecorder();
        await using var host = await InProcessDevHost.StartAsync(storage, settings);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        Console.WriteLine($"DevHost at {host.BaseAddress}; {count} memory-leak apps, {(alone ? "one at a time" : "all at once")}, dumps {(dumps ? "on" : "off")}, Durable settings: {hostJson ?? "DevHost local tuning"}; verification: a poll every {BenchVerification.Interval.TotalSeconds.ToString("0", invariant)} s, healthy for {BenchVerification.HealthyFor.TotalSeconds.ToString("0", invariant)} s; {Environment.ProcessorCount} cores");
        var requestLog = host.SandboxServices!.GetRequiredService<RequestLog>();

        async Task<(DateTimeOffset At, string StatusUrl)> PostAsync(int i, CancellationToken ct)
        {
            var alert = Samples.MetricAlertFor(Site(i));
            var at = DateTimeOffset.UtcNow;
            using var response = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"), ct);
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
            return (at, body!["statusUrl"]!.GetValue<string>());
        }

        async Task UntilRestartsAsync(IReadOnlyCollection<string> apps)
        {
            var until = DateTime.UtcNow.AddMinutes(5);
            while (DateTime.UtcNow < until && requestLog.Snapshot().Where(r => r.Method == "POST" && r.Path.EndsWith("/restart", StringComparison.Ordinal))
                .Select(r => r.Path.Split('/')[^2]).Distinct(StringComparer.Ordinal).Count(apps.Contains) < apps.Count)
            {
                await Task.Delay(50);
            }
        }

        async Task<Dictionary<string, JsonObject>> UntilEndedAsync(IReadOnlyDictionary<string, (DateTimeOffset At, string StatusUrl)> incidents)
        {
            var ended = new Dictionary<string, JsonObject>();
            var deadline = DateTime.UtcNow.AddMinutes(10);
            while (ended.Count < incidents.Count && DateTime.UtcNow < deadline)
            {
                foreach (var (app, (_, url)) in incidents.Where(p => !ended.ContainsKey(p.Key)))
                {
                    var incident = (await http.GetFromJsonAsync<JsonObject>(url))!;
                    if (incident["closed"]!.GetValue<bool>())
                    {
                        ended[app] = incident;
                    }
                }

                await Task.Delay(500);
            }

            return ended;
        }

        async Task UntilRestartedAsync(int i)
        {
            var until = DateTime.UtcNow.AddMinutes(2);
            while (RestartOf(requestLog.Snapshot(), App(i)) is null && DateTime.UtcNow < until)
            {
                await Task.Delay(10);
            }
        }

        await PostAsync(count, CancellationToken.None);
        await UntilRestartedAsync(count);
        for (var storm = 0; !alone && storm < firstStorms; storm++)
        {
            var first = new Dictionary<string, (DateTimeOffset At, string StatusUrl)>();
            var firstCpu = CpuMeter.Read();
            await Parallel.ForEachAsync(Enumerable.Range(count + 1 + (storm * count), count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var sent = await PostAsync(i, ct);
                lock (first)
                {
                    first[App(i)] = sent;
                }
            });
            await UntilRestartsAsync(first.Keys);
            Console.WriteLine($"RESULT first storm{(firstStorms > 1 ? $" {storm + 1} of {firstStorms}" : string.Empty)} to its last restart: {CpuMeter.Between(firstCpu, CpuMeter.Read(), count)}");
            await UntilEndedAsync(first);
            Console.WriteLine($"RESULT split first-storm dumps={(dumps ? "on" : "off")} durable={(production ? "host.json" : "local")} {WorkflowTiming.Summary(WorkflowTiming.SplitByIncident(spans.Spans, host.SandboxAddress!.Port, first.Keys))}");
        }

        var posted = new Dictionary<string, (DateTimeOffset At, string StatusUrl)>();
        var cpuFrom = CpuMeter.Read();
        var clock = Stopwatch.StartNew();
        if (alone)
        {
            for (var i = 0; i < count; i++)
            {
                posted[App(i)] = await PostAsync(i, CancellationToken.None);
                await UntilRestartedAsync(i);
            }
        }
        else
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var sent = await PostAsync(i, ct);
                lock (posted)
                {
                    posted[App(i)] = sent;
                }
            });
        }

        // Wait for every restart through the Sandbox's log (in this process) before asking the API anything, so no
        // status poll competes with the storm for the cores and Azurite while the alert → restart times are taken.
        if (!alone)
        {
            await UntilRestartsAsync(posted.Keys);
            Console.WriteLine($"RESULT storm to its last restart: {CpuMeter.Between(cpuFrom, CpuMeter.Read(), count)}");
        }

        var ended = await UntilEndedAsync(posted);
        clock.Stop();
        var requests = requestLog.Snapshot();
        var latencies = new List<double>();
        foreach (var (app, (at, _)) in posted)
        {
            var restart = RestartOf(requests, app);
            if (restart is not null)
            {
                latencies.Add((restart.At - at).TotalMilliseconds);
            }
        }

        // History as the Azure Storage backend keeps it: the rows of {TaskHub}History for the instance
        // (each row's properties as JSON; large payloads would be blobs, and there are none here).
        var historyTable = new TableServiceClient(storage).GetTableClient(taskHub + "History");
        var sizes = new List<int>();
        var events = new List<int>();
        foreach (var app in posted.Keys)
        {
            var instanceId = IncidentIds.InstanceIdFor(Site(int.Parse(app[^3..], invariant)));
            // The record closes one step before the orchestration ends: measure the whole history.
            await OrchestrationHistory.WaitCompletedAsync(historyTable, instanceId, TimeSpan.FromMinutes(2));
            var bytes = 0;
            var rows = 0;
            var byKind = new Dictionary<string, (int Rows, int Bytes)>();
            await foreach (var row in historyTable.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId))
            {
                var size = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(row.Where(p => p.Key != "odata.etag").ToDictionary(p => p.Key, p => p.Value)));
                bytes += size;
                rows++;
                var kind = $"{row.GetString("EventType")} {row.GetString("Name")}";
                byKind[kind] = (byKind.GetValueOrDefault(kind).Rows + 1, byKind.GetValueOrDefault(kind).Bytes + size);
            }

            if (Environment.GetEnvironmentVariable("BENCH_HISTORY") == "1" && sizes.Count == 0)
            {
                foreach (var (kind, (n, b)) in byKind.OrderByDescending(k => k.Value.Bytes))
                {
                    Console.WriteLine($"  history {kind}: {n} rows, {b} bytes");
                }
            }

            sizes.Add(bytes);
            events.Add(rows);
        }

        var resolved = ended.Values.Count(i => i["status"]!.GetValue<string>() == "Resolved");
        if (Environment.GetEnvironmentVariable("BENCH_TIMELINE") == "1" && ended.Values.FirstOrDefault() is { } sample)
        {
            foreach (var step in sample["timeline"]!.AsArray())
            {
                Console.WriteLine($"  {step!["at"]} {step["kind"]}");
            }
        }

        var splits = WorkflowTiming.SplitByIncident(spans.Spans, host.SandboxAddress!.Port, posted.Keys);
        if (Environment.GetEnvironmentVariable("BENCH_SPANS") == "1")
        {
            foreach (var span in spans.Spans.OrderBy(s => s.Start))
            {
                Console.WriteLine($"  span {span.Start:HH:mm:ss.fff} {span.Duration.TotalMilliseconds,8:0.0}ms {span.TraceId[..8]} {span.Source} | {span.Name} | {string.Join(" ", span.Tags.Select(t => t.Key + "=" + t.Value))}");
            }
        }

        if (Environment.GetEnvironmentVariable("BENCH_ARM") == "1")
        {
            // What one incident asked the Sandbox (ARM and Kudu) from its alert to its restart, in order.
            var (firstApp, (firstAt, _)) = posted.First();
            var restartAt = RestartOf(requests, firstApp)!.At;
            var mine = requests.Where(r => r.At >= firstAt && r.At <= restartAt && (r.Path.Contains($"/sites/{firstApp}/", StringComparison.Ordinal) || r.Path.EndsWith($"/sites/{firstApp}", StringComparison.Ordinal))).ToList();
            Console.WriteLine($"  ARM/Kudu requests of {firstApp} until its restart: {mine.Count}");
            foreach (var r in mine)
            {
                Console.WriteLine($"  {r.At:HH:mm:ss.fff} {r.Method} {r.Path.Replace(firstApp, "{app}", StringComparison.Ordinal)} {r.Status}");
            }
        }

        if (Environment.GetEnvironmentVariable("BENCH_PHASES") == "1")
        {
            Console.WriteLine(WorkflowTiming.Phases(spans.Spans, posted.Keys));
        }

        if (Environment.GetEnvironmentVariable("BENCH_STORAGE") == "1")
        {
            // Every storage request this process made (Azure SDK over HttpClient), grouped by method and resource.
            var sandboxPort = host.SandboxAddress!.Port.ToString(invariant);
            var devHostPort = host.BaseAddress.Port.ToString(invariant);
            var calls = spans.Spans.Where(s => s.Source == "System.Net.Http" && s.Tags.GetValueOrDefault("server.port") is { } p && p != sandboxPort && p != devHostPort).ToList();
            Console.WriteLine($"  storage requests: {calls.Count} ({(calls.Count / (double)count).ToString("0", invariant)} per incident)");
            foreach (var g in calls.GroupBy(s => s.Name + " " + StorageResource(s.Tags.GetValueOrDefault("url.full") ?? string.Empty)).OrderByDescending(g => g.Count()).Take(40))
            {
                Console.WriteLine($"  {g.Count(),7} {(g.Count() / (double)count).ToString("0.0", invariant),6}/incident {g.Average(s => s.Duration.TotalMilliseconds).ToString("0.0", invariant),7}ms avg  {g.Key}");
            }

            // The same, only from the first alert to the last restart request: what the storm's restarts waited behind.
            var from = posted.Values.Min(p => p.At).UtcDateTime;
            var to = requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/restart", StringComparison.Ordinal)).Select(r => r.At.UtcDateTime).DefaultIfEmpty(from).Max();
            var before = calls.Where(s => s.Start >= from && s.Start <= to).ToList();
            Console.WriteLine($"  until the last restart ({(to - from).TotalSeconds.ToString("0.0", invariant)} s): {before.Count} requests ({(before.Count / (double)count).ToString("0", invariant)} per incident)");
            foreach (var g in before.GroupBy(s => s.Name + " " + StorageResource(s.Tags.GetValueOrDefault("url.full") ?? string.Empty)).OrderByDescending(g => g.Count()).Take(25))
            {
                Console.WriteLine($"  {g.Count(),7} {(g.Count() / (double)count).ToString("0.0", invariant),6}/incident {g.Average(s => s.Duration.TotalMilliseconds).ToString("0.0", invariant),7}ms avg  {g.Key}");
            }
        }

        latencies.Sort();
        sizes.Sort();
        Console.WriteLine($"RESULT workflow incidents={count} resolved={resolved} restarts={latencies.Count} wall={clock.Elapsed.TotalSeconds.ToString("0.0", invariant)}s " +
            $"alert→restart median={Percentile(latencies, 0.5).ToString("0", invariant)}ms p95={Percentile(latencies, 0.95).ToString("0", invariant)}ms max={latencies.LastOrDefault().ToString("0", invariant)}ms " +
            $"history median={(Percentile(sizes, 0.5) / 1024).ToString("0.0", invariant)}KiB max={(sizes.LastOrDefault() / 1024.0).ToString("0.0", invariant)}KiB rows/incident={events.DefaultIfEmpty().Average().ToString("0", invariant)}");
        Console.WriteLine($"RESULT split {(alone ? "alone" : "at-once")} dumps={(dumps ? "on" : "off")} durable={(production ? "host.json" : "local")} {WorkflowTiming.Summary(splits)}");
        File.Delete(appsFile);
        var overheads = splits.Select(s => s.RestMs).Order().ToList();
        return new WorkflowRun(resolved == count && sizes.LastOrDefault() <= 24 * 1024 ? 0 : 1,
            WorkflowTiming.Percentile(overheads, 0.5), WorkflowTiming.Percentile(overheads, 0.95));
    }

    // "/devstoreaccount1/History(PartitionKey='x',RowKey='y')?..." → "History"; queues and blobs keep two segments.
    private static string StorageResource(string url)
    {
        var path = Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.AbsolutePath : url;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(2)
            .Select(p => p.Split('(')[0]).Select(p => System.Text.RegularExpressions.Regex.Replace(p, "[0-9a-f]{8,}", "#")).ToArray();
        return string.Join('/', parts);
    }

    internal static string App(int i) => $"bench-leak-{i:D3}";

    /// <summary>The Sandbox's log entry of <paramref name="app"/>'s first restart request, if it has one.</summary>
    internal static LoggedRequest? RestartOf(IEnumerable<LoggedRequest> requests, string app) =>
        requests.FirstOrDefault(r => r.Method == "POST" && r.Path.EndsWith($"/sites/{app}/restart", StringComparison.Ordinal));

    internal static string Site(int i) => $"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-bench/providers/Microsoft.Web/sites/{App(i)}";

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    private static double Percentile(List<int> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    // One P1v3 plan with two instances per app, each app leaking memory (the alert's 1.5 GiB is
    // breached at 30 minutes of uptime) with a 16 MiB dump, so the storm measures the pipeline more
    // than Azurite's write speed.
    internal static string AppsJson(int count)
    {
        var plans = new JsonArray();
        var apps = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            plans.Add(new JsonObject
            {
                ["subscriptionId"] = "11111111-2222-3333-4444-555555555555",
                ["resourceGroup"] = "rg-bench",
                ["name"] = $"plan-bench-{i:D3}",
                ["location"] = "West Europe",
                ["kind"] = "app",
                ["sku"] = new JsonObject { ["name"] = "P1v3", ["tier"] = "PremiumV3", ["size"] = "P1v3", ["family"] = "Pv3", ["capacity"] = 2 },
                ["maximumNumberOfWorkers"] = 30,
            });
            apps.Add(new JsonObject
            {
                ["subscriptionId"] = "11111111-2222-3333-4444-555555555555",
                ["resourceGroup"] = "rg-bench",
                ["name"] = App(i),
                ["planName"] = $"plan-bench-{i:D3}",
                ["location"] = "West Europe",
                ["kind"] = "app",
                ["state"] = "Running",
                ["scenario"] = "memory-leak",
                ["healthCheckPath"] = "/healthz",
                ["processUptimeMinutes"] = 30,
                ["dumpSizeBytes"] = 16 * 1024 * 1024,
            });
        }

        return new JsonObject { ["plans"] = plans, ["apps"] = apps }.ToJsonString();
    }
}

/// <summary>A workflow run's exit code (0: every incident resolved within the history budget) and its overhead.</summary>
internal sealed record WorkflowRun(int ExitCode, double OverheadMedianMs, double OverheadP95Ms);
