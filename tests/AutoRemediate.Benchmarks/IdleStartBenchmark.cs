using System.Globalization;
using System.Text;
using AutoRemediate.DevHost;
using AutoRemediate.Sandbox;
using AutoRemediate.Testing;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// <c>idle-start [idleSeconds=30] [repeats=3] [host.json path]</c>: what an alert costs after the pipeline sat idle, on the DevHost's
/// Azure Storage Durable backend, once with the DevHost's local tuning and once with the production settings of the
/// repository's host.json (<c>DevHost:DurableHostJson</c>), in the same run against the same Azurite. Each DevHost runs
/// one warm-up incident, then, <c>repeats</c> times: sits idle for <c>idleSeconds</c> (longer than the polling ceiling,
/// so every queue poller has backed off to it), posts one memory alert, and waits for the restart. Reports alert →
/// first activity running and alert → restart request, and the pipeline's overhead as <see cref="WorkflowTiming"/> splits it.
/// </summary>
internal static class IdleStartBenchmark
{
    public static async Task<int> RunAsync(string storage, int idleSeconds, int repeats, string? hostJsonPath = null)
    {
        var hostJson = hostJsonPath ?? FindHostJson();
        var lines = new List<string>();
        foreach (var production in new[] { false, true })
        {
            // Both DevHosts share one Azurite, so each gets apps of its own: the second must not find the first's
            // restarts in the action journal (a cooldown would rightly stop it).
            var first = production ? repeats + 1 : 0;
            var appsFile = Path.Combine(Path.GetTempPath(), $"autoremediate-bench-apps-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(appsFile, WorkflowBenchmark.AppsJson(2 * (repeats + 1)));
            var settings = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                [ConfigKeys.DevHostDurableBackend] = DurableBackends.AzureStorage,
                [ConfigKeys.DevHostTaskHub] = "Idle" + Guid.NewGuid().ToString("N")[..8],
                ["DevHost:SandboxAppsPath"] = appsFile,
                [ConfigKeys.DevHostDurableHostJson] = production ? hostJson : null,
                ["Workflow:AutoApprove"] = "true",
                ["Workflow:EscalationHold"] = "00:00:00",
                ["Workflow:VerifyInterval"] = "00:00:02",
                ["Workflow:VerifyHealthyFor"] = "00:00:04",
                ["Workflow:VerifyDeadline"] = "00:01:00",
                ["Evidence:DumpsEnabled"] = "false",
            };
            using var spans = new SpanRecorder();
            await using var host = await InProcessDevHost.StartAsync(storage, settings);
            var tuning = host.Services.GetRequiredService<DurableTuning>();
            Console.WriteLine($"DevHost at {host.BaseAddress}; {tuning}");
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            var requestLog = host.SandboxServices!.GetRequiredService<RequestLog>();

            async Task AlertAndWaitAsync(int i)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                using var response = await http.PostAsync("/api/alerts", new StringContent(Samples.MetricAlertFor(WorkflowBenchmark.Site(i)).ToJsonString(), Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                var until = DateTime.UtcNow.AddMinutes(3);
                while (WorkflowBenchmark.RestartOf(requestLog.Snapshot(), WorkflowBenchmark.App(i)) is null && DateTime.UtcNow < until)
                {
                    await Task.Delay(10);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {WorkflowBenchmark.App(i)}: restart requested {watch.Elapsed.TotalSeconds:0.0} s after its alert"));
            }

            await AlertAndWaitAsync(first + repeats);
            var apps = new List<string>();
            for (var r = first; r < first + repeats; r++)
            {
                await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
                await AlertAndWaitAsync(r);
                apps.Add(WorkflowBenchmark.App(r));
            }

            var splits = WorkflowTiming.SplitByIncident(spans.Spans, host.SandboxAddress!.Port, apps);
            var firstActivity = apps.Select(app => FirstActivityMs(spans, app)).Order().ToList();
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"RESULT idle-start {(production ? "production(host.json)" : "local")} polling≤{tuning.MaxQueuePollingInterval.TotalSeconds:0.###}s partitions={tuning.PartitionCount} idle={idleSeconds}s " +
                $"alert→first-activity median={WorkflowTiming.Percentile(firstActivity, 0.5):0}ms max={firstActivity.LastOrDefault():0}ms | {WorkflowTiming.Summary(splits)}"));
            File.Delete(appsFile);
        }

        lines.ForEach(Console.WriteLine);
        return 0;
    }

    // Alert POST start → the first activity of that incident starting to run (its execution span).
    private static double FirstActivityMs(SpanRecorder recorder, string app)
    {
        var spans = recorder.Spans.ToList();
        var restart = spans.First(s => s.Source == "System.Net.Http" && (s.Tags.GetValueOrDefault("url.full") ?? string.Empty).EndsWith($"/sites/{app}/restart?*", StringComparison.Ordinal));
        var trace = spans.Where(s => s.TraceId == restart.TraceId).ToList();
        var alert = trace.Where(s => s.Source == "System.Net.Http" && (s.Tags.GetValueOrDefault("url.full") ?? string.Empty).EndsWith("/api/alerts", StringComparison.Ordinal)).Min(s => s.Start);
        // The first activity has two spans: scheduled (in the orchestrator) and running (in the worker); the later one runs.
        var first = trace.Where(s => s.Source == "Microsoft.DurableTask" && s.Name.StartsWith("activity:", StringComparison.Ordinal))
            .GroupBy(s => s.Name).OrderBy(g => g.Min(s => s.Start)).First().Max(s => s.Start);
        return (first - alert).TotalMilliseconds;
    }

    private static string FindHostJson() => Path.Combine(Samples.RepositoryRoot, "host.json");
}
