using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

/// <summary>Throughput and latency of one measured run.</summary>
internal sealed record Measured(int Count, double Seconds, double P50, double P99, IReadOnlyDictionary<HttpStatusCode, int> Statuses)
{
    public double PerSecond => Count / Seconds;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"count={Count} seconds={Seconds:0.0} per-second={PerSecond:0} p50={P50:0.0}ms p99={P99:0.0}ms") +
        (Statuses.Count > 0 ? $" statuses={string.Join(",", Statuses.Select(s => $"{(int)s.Key}x{s.Value}"))}" : string.Empty);
}

/// <summary>
/// The physical reference of the ingest benchmarks (issue 15): a bare loop of writers each inserting one table row per
/// request into the same Azurite, at the same concurrency, after a warm-up; and the HTTP drivers measured the same way.
/// </summary>
internal static class IngestReference
{
    /// <summary>Inserts rows with <paramref name="writers"/> writers for <paramref name="duration"/>, after a 3 s warm-up.</summary>
    public static async Task<Measured> MeasureAsync(string connectionString, int writers, TimeSpan duration)
    {
        var table = await TableAsync(connectionString);
        await RunAsync(table, writers, TimeSpan.FromSeconds(3), int.MaxValue);
        return await RunAsync(table, writers, duration, int.MaxValue);
    }

    /// <summary>Inserts <paramref name="count"/> rows with <paramref name="writers"/> writers, after a 3 s warm-up.</summary>
    public static async Task<Measured> MeasureCountAsync(string connectionString, int writers, int count)
    {
        var table = await TableAsync(connectionString);
        await RunAsync(table, writers, TimeSpan.FromSeconds(3), int.MaxValue);
        return await RunAsync(table, writers, TimeSpan.FromHours(1), count);
    }

    /// <summary>POSTs every body with <paramref name="connections"/> at once; per-request latency and statuses.</summary>
    public static async Task<Measured> PostAllAsync(Uri url, IEnumerable<string> bodies, int connections)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections });
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var latencies = new ConcurrentBag<double>();
        var all = bodies.ToList();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = connections }, async (body, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"), ct);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, c) => c + 1);
        });
        clock.Stop();
        var sorted = latencies.Order().ToArray();
        return new Measured(all.Count, clock.Elapsed.TotalSeconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99), statuses);
    }

    /// <summary>Posts one alert per app and waits until every incident has left its first steps (settled, still live).</summary>
    public static async Task StartAndSettleAsync(HttpClient http, Uri alertsUrl, IEnumerable<string> sites)
    {
        var urls = new List<string>();
        foreach (var site in sites)
        {
            using var response = await http.PostAsync(alertsUrl, new StringContent(AutoRemediate.Testing.Samples.MetricAlertFor(site).ToJsonString(), Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadFromJsonAsync<JsonObject>();
            urls.Add(body!["statusUrl"]!.GetValue<string>());
        }

        var deadline = DateTime.UtcNow.AddMinutes(3);
        var statuses = new Dictionary<string, int>();
        while (DateTime.UtcNow < deadline)
        {
            statuses.Clear();
            foreach (var url in urls)
            {
                var incident = (await http.GetFromJsonAsync<JsonObject>(new Uri(alertsUrl, url)))!;
                var status = incident["status"]!.GetValue<string>() + (incident["closed"]!.GetValue<bool>() ? "/closed" : "/live");
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }

            if (statuses.Keys.All(s => s == "Escalated/live"))
            {
                break;
            }

            await Task.Delay(1000);
        }

        Console.WriteLine($"warm-up: {urls.Count} apps under remediation: {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))}");
    }

    /// <summary>A wrk latency ("57.20ms", "1.02s", "850.00us") in milliseconds.</summary>
    public static double WrkMilliseconds(string text) =>
        text.EndsWith("ms", StringComparison.Ordinal) ? double.Parse(text[..^2], CultureInfo.InvariantCulture)
        : text.EndsWith("us", StringComparison.Ordinal) ? double.Parse(text[..^2], CultureInfo.InvariantCulture) / 1000
        : text.EndsWith('s') ? double.Parse(text[..^1], CultureInfo.InvariantCulture) * 1000
        : double.NaN;

    private static async Task<TableClient> TableAsync(string connectionString)
    {
        var table = new TableServiceClient(connectionString).GetTableClient("Reference" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        return table;
    }

    private static async Task<Measured> RunAsync(TableClient table, int writers, TimeSpan duration, int count)
    {
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        var until = clock.Elapsed + duration;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            while (clock.Elapsed < until && Interlocked.Increment(ref next) < count)
            {
                var started = Stopwatch.GetTimestamp();
                // A row about the size of a repeat row, each in its own partition like the pipeline's rows.
                await table.AddEntityAsync(new TableEntity(Guid.NewGuid().ToString("N"), "row") { ["At"] = DateTimeOffset.UtcNow, ["AlertRule"] = "memory-high" });
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        clock.Stop();
        var sorted = latencies.Order().ToArray();
        return new Measured(sorted.Length, clock.Elapsed.TotalSeconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99), new Dictionary<HttpStatusCode, int>());
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
