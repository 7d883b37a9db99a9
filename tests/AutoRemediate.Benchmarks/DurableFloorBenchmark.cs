using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AutoRemediate.DevHost;
using AutoRemediate.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

/// <summary>
/// <c>durable-floor [incidents=50] [local|production|path of a host.json]</c>: the reference for the workflow's "50 at once" overhead. The
/// DevHost's own Durable stack (the same in-process gRPC sidecar over the Azure Storage backend, the same tuning, the
/// same Azurite, the same worker and client, the same span recording) runs orchestrations of the remediation's Durable
/// shape with activities that do nothing: start, two activities (the second stands for the restart), a
/// sub-orchestration (an activity, three timers of the benchmark's verification interval each followed by an
/// activity, a last activity), then two more activities. Start → second activity is what Durable alone costs where
/// the pipeline measures alert → restart; the activities carry no payload, so it is a floor, not an estimate.
/// </summary>
internal static class DurableFloorBenchmark
{
    public static async Task<FloorRun> RunAsync(string storage, int count, string? hostJson)
    {
        var invariant = CultureInfo.InvariantCulture;
        var restarts = new ConcurrentDictionary<string, DateTime>(StringComparer.Ordinal);
        var ends = new ConcurrentDictionary<string, DateTime>(StringComparer.Ordinal);
        var production = hostJson is not null;
        var tuning = hostJson is not null ? DurableTuning.FromHostJson(await File.ReadAllTextAsync(hostJson), hostJson) : DurableTuning.Local;
        var port = DevHostRunner.FreeLoopbackPort();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableSidecar(storage, "Floor" + Guid.NewGuid().ToString("N")[..8], port, tuning, registry =>
        {
            registry.AddOrchestratorFunc<string, bool>("FloorRemediation", RemediationAsync);
            registry.AddOrchestratorFunc<string, bool>("FloorVerification", VerificationAsync);
            registry.AddActivityFunc<string, bool>("FloorStep", (_, _) => true);
            registry.AddActivityFunc<string, bool>("FloorRestart", (_, instance) =>
            {
                restarts.TryAdd(instance, DateTime.UtcNow);
                return true;
            });
            registry.AddActivityFunc<string, bool>("FloorClose", (_, instance) =>
            {
                ends.TryAdd(instance, DateTime.UtcNow);
                return true;
            });
        });
        using var spans = new SpanRecorder();
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        Console.WriteLine($"Durable floor: {count} orchestrations of the remediation's shape at once, Durable settings: {tuning}; {Environment.ProcessorCount} cores");

        // As the workflow benchmark's warm-up incident: one run before the clock starts (here to its end).
        await client.ScheduleNewOrchestrationInstanceAsync("FloorRemediation", "warm-up", new StartOrchestrationOptions("floor-warm-up"));
        await UntilAsync(() => ends.ContainsKey("floor-warm-up"), TimeSpan.FromMinutes(2));

        // As in the workflow benchmark: a first storm to its end, then the measured one.
        var first = await StormAsync("floor-first");
        Console.WriteLine($"RESULT durable-floor first-storm incidents={count} | start→restart median={WorkflowTiming.Percentile(first.Latencies, 0.5).ToString("0", invariant)}ms p95={WorkflowTiming.Percentile(first.Latencies, 0.95).ToString("0", invariant)}ms");
        var (latencies, toRestart, clock) = await StormAsync("floor");

        async Task<(List<double> Latencies, TimeSpan ToRestart, Stopwatch Clock)> StormAsync(string prefix)
        {
            var started = new ConcurrentDictionary<string, DateTime>(StringComparer.Ordinal);
            var restartsBefore = restarts.Count;
            var cpuFrom = CpuMeter.Read();
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var instance = $"{prefix}-{i:D3}";
                started[instance] = DateTime.UtcNow;
                await client.ScheduleNewOrchestrationInstanceAsync("FloorRemediation", instance, new StartOrchestrationOptions(instance), ct);
            });
            await UntilAsync(() => restarts.Count >= restartsBefore + count, TimeSpan.FromMinutes(5));
            var toRestart = clock.Elapsed;
            Console.WriteLine($"RESULT durable-floor {prefix} storm to its last restart: {CpuMeter.Between(cpuFrom, CpuMeter.Read(), count)}");
            await UntilAsync(() => started.Keys.All(ends.ContainsKey), TimeSpan.FromMinutes(5));

            return (started.Where(s => restarts.ContainsKey(s.Key)).Select(s => (restarts[s.Key] - s.Value).TotalMilliseconds).Order().ToList(), toRestart, clock);
        }

        await host.StopAsync();
        Console.WriteLine($"RESULT durable-floor at-once durable={(production ? "host.json" : "local")} incidents={count} restarts={latencies.Count} | start→restart median={WorkflowTiming.Percentile(latencies, 0.5).ToString("0", invariant)}ms " +
            $"p95={WorkflowTiming.Percentile(latencies, 0.95).ToString("0", invariant)}ms max={latencies.LastOrDefault().ToString("0", invariant)}ms | last restart after {toRestart.TotalSeconds.ToString("0.0", invariant)}s, all ended after {clock.Elapsed.TotalSeconds.ToString("0.0", invariant)}s");
        return new FloorRun(latencies.Count == count ? 0 : 1, WorkflowTiming.Percentile(latencies, 0.5), WorkflowTiming.Percentile(latencies, 0.95));
    }

    // The remediation's Durable shape with dumps off and auto-approve: Assess, ExecuteAction, the verification, a
    // timeline entry, the close.
    private static async Task<bool> RemediationAsync(TaskOrchestrationContext context, string input)
    {
        await context.CallActivityAsync<bool>("FloorStep", context.InstanceId);
        await context.CallActivityAsync<bool>("FloorRestart", context.InstanceId);
        await context.CallSubOrchestratorAsync<bool>("FloorVerification", context.InstanceId, new SubOrchestrationOptions { InstanceId = context.InstanceId + "-v1" });
        await context.CallActivityAsync<bool>("FloorStep", context.InstanceId);
        return await context.CallActivityAsync<bool>("FloorClose", context.InstanceId);
    }

    // The verification's: its status, a health poll after each interval until healthy long enough (as the workflow
    // runs in the benchmark, BenchVerification: three polls), its end.
    private static async Task<bool> VerificationAsync(TaskOrchestrationContext context, string input)
    {
        await context.CallActivityAsync<bool>("FloorStep", input);
        for (var poll = 0; poll < BenchVerification.Polls; poll++)
        {
            await context.CreateTimer(context.CurrentUtcDateTime.Add(BenchVerification.Interval), CancellationToken.None);
            await context.CallActivityAsync<bool>("FloorStep", input);
        }

        return await context.CallActivityAsync<bool>("FloorStep", input);
    }

    private static async Task UntilAsync(Func<bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done() && DateTime.UtcNow < until)
        {
            await Task.Delay(10);
        }
    }
}

/// <summary>A floor run's exit code (0: every orchestration reached its "restart") and its start → "restart" times.</summary>
internal sealed record FloorRun(int ExitCode, double MedianMs, double P95Ms);
