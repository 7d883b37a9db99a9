using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoRemediate.DevHost;
using AutoRemediate.Incidents;
using AutoRemediate.Testing;
using Azure.Data.Tables;

/// <summary>
/// <c>never-recovers [Section:Key=value ...]</c>: one incident on an app that no mitigation helps (the
/// Sandbox's crash-looping contoso-crash), on the workflow's default settings unless overridden: restart
/// approved → verification fails → scale-out approved → verification fails → escalated (and held).
/// Approves each plan over HTTP as an approver would. Reports, once the incident is escalated, the
/// history of the remediation and of each verification sub-orchestration (its current generation) as
/// the Azure Storage backend stores them. Exits non-zero unless the incident escalated after two
/// verifications and every history is at most 48 KiB (issue 15).
/// </summary>
internal static class HistoryBenchmark
{
    private const string Site = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/contoso-crash";

    public static async Task<int> RunAsync(string storage, IReadOnlyList<string> overrides)
    {
        var taskHub = "Hist" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            [ConfigKeys.DevHostDurableBackend] = DurableBackends.AzureStorage,
            ["DevHost:TaskHub"] = taskHub,
        };
        foreach (var pair in overrides)
        {
            var split = pair.Split('=', 2);
            settings[split[0]] = split[1];
        }

        await using var host = await AutoRemediate.Testing.InProcessDevHost.StartAsync(storage, settings);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        Console.WriteLine($"DevHost at {host.BaseAddress}; settings: {(overrides.Count == 0 ? "defaults" : string.Join(", ", overrides))}");

        var alert = Samples.MetricAlertFor(Site);
        var criterion = alert["data"]!["alertContext"]!["condition"]!["allOf"]![0]!;
        criterion["metricName"] = "Http5xx";
        criterion["threshold"] = "10";
        criterion["timeAggregation"] = "Total";
        var clock = Stopwatch.StartNew();
        using var posted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = (await posted.Content.ReadFromJsonAsync<JsonObject>())!;
        var incidentId = body["incidentId"]!.GetValue<string>();
        var statusUrl = body["statusUrl"]!.GetValue<string>();
        var approved = new HashSet<string>();
        JsonObject incident;
        while (true)
        {
            incident = (await http.GetFromJsonAsync<JsonObject>(statusUrl))!;
            var status = incident["status"]!.GetValue<string>();
            if (status is "Escalated" or "Resolved" || clock.Elapsed > TimeSpan.FromHours(2))
            {
                break;
            }

            if (status == "AwaitingApproval" && incident["pendingApproval"]?.GetValue<string>() is { } approvalId && approved.Add(approvalId))
            {
                using var decided = await http.PostAsync(statusUrl + "/decision", new StringContent(
                    $$"""{"approvalId":"{{approvalId}}","approve":true,"approver":"bench@contoso.com"}""", Encoding.UTF8, "application/json"));
                Console.WriteLine($"{clock.Elapsed:hh\\:mm\\:ss} approved {approvalId}: {(int)decided.StatusCode}");
            }

            await Task.Delay(2000);
        }

        // With a short hold (overridden), measure once the hold has ended too: its timer and last entry.
        if (settings.TryGetValue("Workflow:EscalationHold", out var hold) && TimeSpan.Parse(hold!, System.Globalization.CultureInfo.InvariantCulture) <= TimeSpan.FromMinutes(1))
        {
            while (!incident["timeline"]!.AsArray().Any(t => t!["kind"]!.GetValue<string>() is "HoldEnded" or "IncidentResolved") && clock.Elapsed < TimeSpan.FromHours(2))
            {
                await Task.Delay(1000);
                incident = (await http.GetFromJsonAsync<JsonObject>(statusUrl))!;
            }
        }

        var history = new TableServiceClient(storage).GetTableClient(taskHub + "History");
        if (incident["timeline"]!.AsArray().Any(t => t!["kind"]!.GetValue<string>() is "HoldEnded" or "IncidentResolved"))
        {
            // The hold is over: measure once the orchestration has ended (its last rows are written after the record).
            await OrchestrationHistory.WaitCompletedAsync(history, IncidentIds.InstanceIdFor(Site), TimeSpan.FromMinutes(2));
        }

        clock.Stop();
        var kinds = incident["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        Console.WriteLine($"{clock.Elapsed:hh\\:mm\\:ss} {incident["status"]}: {string.Join(" ", kinds)}");

        var remediation = await MeasureAsync(history, IncidentIds.InstanceIdFor(Site));
        var verifications = new List<(string Id, int Bytes, int Rows)>();
        foreach (var id in new[] { incidentId + "-v1", incidentId + "-v2" })
        {
            var (bytes, rows, _) = await MeasureAsync(history, id);
            verifications.Add((id, bytes, rows));
        }

        var verified = kinds.Count(k => k == "VerificationFailed");
        var parts = new List<string>
        {
            FormattableString.Invariant($"RESULT never-recovers status={incident["status"]} verificationsFailed={verified} approvals={approved.Count} wall={clock.Elapsed.TotalMinutes:0.0}min"),
            FormattableString.Invariant($"remediation history={remediation.Bytes / 1024.0:0.0}KiB rows={remediation.Rows}"),
        };
        parts.AddRange(verifications.Select(v => FormattableString.Invariant($"{v.Id[^2..]} history={v.Bytes / 1024.0:0.0}KiB rows={v.Rows}")));
        Console.WriteLine(string.Join(" ", parts));
        return incident["status"]!.GetValue<string>() == "Escalated" && verified == 2
            && remediation.Bytes <= 48 * 1024 && verifications.All(v => v.Bytes <= 48 * 1024) ? 0 : 1;
    }

    // BENCH_HISTORY=1 prints every row, to see what a history is made of.
    private static Task<StoredHistory> MeasureAsync(TableClient history, string instanceId) =>
        OrchestrationHistory.ReadAsync(history, instanceId, Environment.GetEnvironmentVariable("BENCH_HISTORY") == "1"
            ? (row, size) => Console.WriteLine($"  history {instanceId[^3..]} {row.GetString("EventType")} {row.GetString("Name")} {size}")
            : null);
}
