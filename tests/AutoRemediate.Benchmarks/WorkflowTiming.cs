using System.Globalization;

/// <summary>
/// Splits each incident's time from alert to restart request into ARM/Kudu calls, the dump and the rest (the
/// pipeline's own overhead: ingestion, queues, orchestrator episodes, storage writes), from the spans this process
/// recorded. The incident's spans are found by trace: the alert's POST starts a trace that the Durable client
/// carries into the orchestration and every activity, so each ARM call, storage call and activity of the incident
/// carries its trace id.
/// </summary>
internal static class WorkflowTiming
{
    /// <summary>One incident's split, in milliseconds.</summary>
    internal sealed record Split(string App, double TotalMs, double ArmMs, double DumpMs, double RestMs);

    /// <summary>
    /// The split of each app's incident: total = alert POST start → restart POST start (client side); ARM/Kudu = the
    /// union of the HTTP calls to the Sandbox (ARM and Kudu) in that window, the dump's own download excluded; dump =
    /// the CaptureDump activity (download and upload); rest = total minus the union of both.
    /// </summary>
    public static IReadOnlyList<Split> SplitByIncident(IEnumerable<SpanRecorder.Span> recorded, int sandboxPort, IReadOnlyCollection<string> apps)
    {
        var spans = recorded.ToList();
        var port = sandboxPort.ToString(CultureInfo.InvariantCulture);
        var splits = new List<Split>();
        foreach (var app in apps)
        {
            var restart = spans.FirstOrDefault(s => s.Source == "System.Net.Http" && s.Name == "POST" && Url(s).EndsWith($"/sites/{app}/restart?*", StringComparison.Ordinal));
            if (restart is null)
            {
                continue;
            }

            var alert = spans.Where(s => s.Source == "System.Net.Http" && s.TraceId == restart.TraceId && Url(s).EndsWith("/api/alerts", StringComparison.Ordinal))
                .OrderBy(s => s.Start).FirstOrDefault();
            if (alert is null)
            {
                continue;
            }

            var from = alert.Start;
            var to = restart.Start;
            var trace = spans.Where(s => s.TraceId == restart.TraceId).ToList();
            var arm = trace.Where(s => s.Source == "System.Net.Http" && s.Tags.GetValueOrDefault("server.port") == port && !Url(s).Contains("/dump?", StringComparison.Ordinal))
                .Select(s => (s.Start, s.End)).ToList();
            var dump = trace.Where(s => s.Source == "Microsoft.DurableTask" && s.Name == "activity:CaptureDump").Select(s => (s.Start, s.End)).ToList();
            var armMs = Covered(arm, from, to);
            var dumpMs = Covered(dump, from, to);
            var bothMs = Covered([.. arm, .. dump], from, to);
            var totalMs = (to - from).TotalMilliseconds;
            // ARM time inside the dump's window counts once, as dump time.
            splits.Add(new Split(app, totalMs, bothMs - dumpMs, dumpMs, totalMs - bothMs));
        }

        return splits;
    }

    /// <summary>
    /// Where each incident's alert → restart goes, phase by phase (median / p95 of each, milliseconds): the alert's
    /// POST (ingest and the orchestration's start), the POST's end → the Assess activity's start (the orchestration's
    /// first episode and the activity's queue), Assess itself, Assess's end → ExecuteAction's start (the second
    /// episode and the queue again), ExecuteAction's start → its restart request.
    /// </summary>
    public static string Phases(IEnumerable<SpanRecorder.Span> recorded, IReadOnlyCollection<string> apps)
    {
        var spans = recorded.ToList();
        var byTrace = spans.GroupBy(s => s.TraceId).ToDictionary(g => g.Key, g => g.ToList());
        var phases = new Dictionary<string, List<double>>();
        void Add(string name, double ms) => (phases.TryGetValue(name, out var l) ? l : phases[name] = []).Add(ms);
        foreach (var app in apps)
        {
            var restart = spans.FirstOrDefault(s => s.Source == "System.Net.Http" && s.Name == "POST" && Url(s).EndsWith($"/sites/{app}/restart?*", StringComparison.Ordinal));
            if (restart is null || !byTrace.TryGetValue(restart.TraceId, out var trace))
            {
                continue;
            }

            var alert = trace.Where(s => s.Source == "System.Net.Http" && Url(s).EndsWith("/api/alerts", StringComparison.Ordinal)).OrderBy(s => s.Start).FirstOrDefault();
            // Each activity has two spans: the orchestration's (scheduled → its result back) and the worker's (the run).
            var assess = trace.Where(s => s.Source == "Microsoft.DurableTask" && s.Name == "activity:Assess").OrderBy(s => s.Start).ToList();
            var execute = trace.Where(s => s.Source == "Microsoft.DurableTask" && s.Name == "activity:ExecuteAction").OrderBy(s => s.Start).ToList();
            if (alert is null || assess.Count != 2 || execute.Count != 2)
            {
                continue;
            }

            Add("1 alert POST", alert.Duration.TotalMilliseconds);
            Add("2 POST end → Assess scheduled", (assess[0].Start - alert.End).TotalMilliseconds);
            Add("3 Assess scheduled → run", (assess[1].Start - assess[0].Start).TotalMilliseconds);
            Add("4 Assess run", assess[1].Duration.TotalMilliseconds);
            Add("5 Assess run end → ExecuteAction scheduled", (execute[0].Start - assess[1].End).TotalMilliseconds);
            Add("6 ExecuteAction scheduled → run", (execute[1].Start - execute[0].Start).TotalMilliseconds);
            Add("7 ExecuteAction run → restart", (restart.Start - execute[1].Start).TotalMilliseconds);
        }

        return string.Join(Environment.NewLine, phases.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var sorted = p.Value.Order().ToList();
            return string.Create(CultureInfo.InvariantCulture, $"  phase {p.Key}: median={Percentile(sorted, 0.5):0}ms p95={Percentile(sorted, 0.95):0}ms max={sorted[^1]:0}ms");
        }));
    }

    /// <summary>One line: median and p95 of each part.</summary>
    public static string Summary(IReadOnlyList<Split> splits)
    {
        string Part(string name, Func<Split, double> pick)
        {
            var sorted = splits.Select(pick).Order().ToList();
            return string.Create(CultureInfo.InvariantCulture, $"{name} median={Percentile(sorted, 0.5):0}ms p95={Percentile(sorted, 0.95):0}ms");
        }

        return $"incidents={splits.Count} | {Part("total", s => s.TotalMs)} | {Part("arm/kudu", s => s.ArmMs)} | {Part("dump", s => s.DumpMs)} | {Part("overhead", s => s.RestMs)}";
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Max(0, Math.Ceiling(p * sorted.Count) - 1))];

    private static string Url(SpanRecorder.Span span) => span.Tags.GetValueOrDefault("url.full") ?? string.Empty;

    // Milliseconds of [from, to] covered by at least one of the intervals.
    private static double Covered(List<(DateTime Start, DateTime End)> intervals, DateTime from, DateTime to)
    {
        var total = 0d;
        var reached = from;
        foreach (var (start, end) in intervals.OrderBy(i => i.Start))
        {
            var s = start < reached ? reached : start;
            var e = end > to ? to : end;
            if (e > s)
            {
                total += (e - s).TotalMilliseconds;
                reached = e;
            }
        }

        return total;
    }
}
