using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoRemediate.Actions;
using AutoRemediate.Azure;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Sandbox;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost;

/// <summary>
/// <c>demo</c> mode: sets up a scenario in the Sandbox, posts its alert to the running DevHost exactly
/// as an action group would, follows the incident to its end printing each timeline step, then prints
/// the incident as JSON and what the Sandbox saw, and checks the scenario's expectations.
/// </summary>
public static class DemoRunner
{
    // Relaxed escaping: this JSON goes to a terminal, not into HTML.
    private static readonly JsonSerializerOptions s_pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The DevHost settings a demo run uses: quick verification timers, no escalation hold, the
    /// scenario's own settings, and tables of its own (<c>Demo{run}…</c>) so one run's incidents and
    /// actions never trip another run's cooldown or fleet breaker.
    /// </summary>
    public static Dictionary<string, string?> SettingsFor(DemoScenario scenario, bool autoApprove, string runId)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var settings = new Dictionary<string, string?>
        {
            [ConfigKeys.WorkflowAutoApprove] = autoApprove ? "true" : "false",
            [ConfigKeys.WorkflowEscalationHold] = "00:00:00",
            [ConfigKeys.WorkflowDiagnosticsTimeout] = "00:00:30",
            [ConfigKeys.WorkflowApprovalTimeout] = "00:05:00",
            [ConfigKeys.WorkflowVerifyInterval] = "00:00:02",
            [ConfigKeys.WorkflowVerifyHealthyFor] = "00:00:04",
            [ConfigKeys.WorkflowVerifyDeadline] = "00:00:12",
            [ConfigKeys.StorageIncidentsTable] = $"Demo{runId}Incidents",
            [ConfigKeys.StorageTimelineTable] = $"Demo{runId}Timeline",
            [ConfigKeys.StorageActionsTable] = $"Demo{runId}Actions",
            [ConfigKeys.StoragePlatformNoticesTable] = $"Demo{runId}Notices",
            // A task hub of its own too: an earlier demo stopped mid-approval must not hold the app.
            [ConfigKeys.DevHostTaskHub] = $"Demo{runId}",
            // Without --auto-approve the approval mail goes to MailDev's inbox, where the demo waits for the click.
            [ConfigKeys.ApproversDefaultFirst] = ConfigKeys.DemoApprover,
        };
        foreach (var (key, value) in scenario.Settings)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Runs the scenario against <paramref name="host"/> (started with <see cref="SettingsFor"/>). Null when the alert was not accepted or the incident did not end in time.</summary>
    public static async Task<ScenarioObservation?> RunAsync(DevHostRunner host, DemoScenario scenario, TextWriter output, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(output);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var sandbox = SandboxClient(host);
        output.WriteLine($"demo: scenario '{scenario.Name}': {scenario.Story}");
        foreach (var fault in scenario.Faults)
        {
            using var added = await sandbox.PostAsJsonAsync("/sandbox/faults", fault, cancellationToken);
            added.EnsureSuccessStatusCode();
            output.WriteLine($"demo: Sandbox fault injected: {fault.ToJsonString()}");
        }

        var alert = await AlertAsync(scenario, cancellationToken);
        var target = alert["data"]!["essentials"]!["alertTargetIDs"]![0]!.GetValue<string>();
        if (scenario.EarlierActionAgo is { } ago)
        {
            await SeedEarlierActionAsync(host, target, ago, cancellationToken);
            output.WriteLine($"demo: recorded an earlier incident's restart of {scenario.App} {ago.TotalMinutes:0} min ago");
        }

        var essentials = alert["data"]!["essentials"]!;
        output.WriteLine($"demo: POST {new Uri(host.BaseAddress, "/api/alerts")} (metric alert '{essentials["alertRule"]}' on {target})");
        using var response = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        var accepted = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        output.WriteLine($"demo: {(int)response.StatusCode} {response.StatusCode}: {accepted?.ToJsonString()}");
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted || accepted?["statusUrl"]?.GetValue<string>() is not { } statusUrl)
        {
            output.WriteLine("demo: the alert was not accepted; stopping.");
            return null;
        }

        var printed = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var incident = await http.GetFromJsonAsync<JsonObject>(statusUrl, cancellationToken);
            var timeline = incident?["timeline"]?.AsArray() ?? [];
            foreach (var step in timeline.Skip(printed))
            {
                var at = DateTimeOffset.Parse(step!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                output.WriteLine($"demo: [{at:HH:mm:ss.fff}] {step["kind"]}: {step["message"]}");
                if (step["kind"]?.GetValue<string>() == TimelineKinds.ApprovalRequested)
                {
                    output.WriteLine(host.MailDev is { } mailDev
                        ? $"demo: an approval mail went to {ConfigKeys.DemoApprover}: open the inbox at {mailDev.Inbox}, follow the mail's link and enter its one-time code (or POST {new Uri(host.BaseAddress, $"/api/incidents/{incident!["incidentId"]}/decision")}). Waiting for the decision."
                        : $"demo: to decide, POST {new Uri(host.BaseAddress, $"/api/incidents/{incident!["incidentId"]}/decision")} with the body shown above (no MailDev here, so no mail). Waiting for the decision.");
                }
            }

            printed = timeline.Count;
            if (incident?["closed"]?.GetValue<bool>() == true)
            {
                var observation = await ObserveAsync(host, sandbox, scenario, incident, cancellationToken);
                output.WriteLine($"demo: incident {incident["incidentId"]} ended as {incident["status"]}:");
                output.WriteLine(incident.ToJsonString(s_pretty));
                output.WriteLine($"demo: the Sandbox saw {observation.Restarts} restart(s), {observation.Kills} worker kill(s), {observation.ScaleRequests} scale request(s); {observation.Dumps} dump(s) in Blob Storage.");
                return observation;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        }

        output.WriteLine($"demo: the incident did not end within {timeout.TotalSeconds:0} s.");
        return null;
    }

    /// <summary>An HTTP client for the DevHost's Sandbox control routes, trusting its certificate only.</summary>
    public static HttpClient SandboxClient(DevHostRunner host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var address = host.SandboxAddress ?? throw new InvalidOperationException($"The scenarios need the DevHost's own Sandbox ({ConfigKeys.DevHostStartSandbox}=true).");
        var thumbprint = host.SandboxServices!.GetRequiredService<SandboxCertificateInfo>().Sha256Thumbprint;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = LoopbackCertificateTrust.Create(thumbprint);
        return new HttpClient(handler) { BaseAddress = address };
    }

    private static async Task<JsonNode> AlertAsync(DemoScenario scenario, CancellationToken cancellationToken)
    {
        var alert = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "samples", "demo-alert.json"), cancellationToken))!;
        var essentials = alert["data"]!["essentials"]!;
        var target = $"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/{scenario.App}";
        // A fresh alert instance per run, as Azure Monitor creates for each firing; a fixed id would
        // (correctly) be recognised as a duplicate of the previous demo's alert.
        essentials["alertId"] = $"/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";
        essentials["alertRule"] = $"{scenario.App}-{scenario.Metric.ToLowerInvariant()}";
        essentials["alertTargetIDs"] = new JsonArray(target);
        essentials["configurationItems"] = new JsonArray(scenario.App);
        essentials["description"] = scenario.Story;
        var fired = DateTimeOffset.UtcNow;
        essentials["firedDateTime"] = fired.ToString("O");
        var condition = alert["data"]!["alertContext"]!["condition"]!;
        condition["windowStartTime"] = fired.AddMinutes(-1).ToString("O");
        condition["windowEndTime"] = fired.ToString("O");
        var criterion = condition["allOf"]![0]!;
        criterion["metricName"] = scenario.Metric;
        criterion["operator"] = scenario.Operator;
        criterion["threshold"] = scenario.Threshold.ToString(CultureInfo.InvariantCulture);
        criterion["timeAggregation"] = scenario.Aggregation;
        criterion["metricValue"] = scenario.Threshold * 1.2;
        return alert;
    }

    private static async Task SeedEarlierActionAsync(DevHostRunner host, string target, TimeSpan ago, CancellationToken cancellationToken)
    {
        var journal = host.Services.GetRequiredService<IActionJournal>();
        var at = DateTimeOffset.UtcNow - ago;
        var (record, _) = await journal.BeginAsync(
            new ActionRecord($"earlier-{Guid.NewGuid():N}", $"inc-{at:yyyyMMdd}-0000000000000000", target, PlanKind.RestartApp, ActionState.Started, at), cancellationToken);
        await journal.UpdateAsync(record, ActionState.Completed, "Restarted the app (an earlier incident).", cancellationToken);
        await journal.FinishAsync(target, record.IncidentId, cancellationToken);
    }

    private static async Task<ScenarioObservation> ObserveAsync(DevHostRunner host, HttpClient sandbox, DemoScenario scenario, JsonObject incident, CancellationToken cancellationToken)
    {
        var site = "/sites/" + scenario.App;
        var requests = host.SandboxServices!.GetRequiredService<RequestLog>().Snapshot();
        bool Ok(LoggedRequest r) => r.Status is >= 200 and < 300;
        var restarts = requests.Count(r => Ok(r) && r.Method == "POST" && r.Path.EndsWith(site + "/restart", StringComparison.OrdinalIgnoreCase));
        var kills = requests.Count(r => Ok(r) && r.Method == "DELETE" && r.Path.Contains(site + "/instances/", StringComparison.OrdinalIgnoreCase) && r.Path.Contains("/processes/", StringComparison.OrdinalIgnoreCase));
        var apps = await sandbox.GetFromJsonAsync<JsonArray>("/sandbox/apps", cancellationToken);
        var app = apps!.Single(a => string.Equals(a!["name"]!.GetValue<string>(), scenario.App, StringComparison.OrdinalIgnoreCase))!.AsObject();
        var plan = "/serverfarms/" + app["planResourceId"]!.GetValue<string>().Split('/')[^1];
        var scales = requests.Count(r => Ok(r) && r.Method == "PATCH" && r.Path.EndsWith(plan, StringComparison.OrdinalIgnoreCase));

        var container = host.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(host.Services.GetRequiredService<IOptions<EvidenceOptions>>().Value.DumpsContainer);
        var dumps = 0;
        if (await container.ExistsAsync(cancellationToken))
        {
            await foreach (var _ in container.GetBlobsAsync(global::Azure.Storage.Blobs.Models.BlobTraits.None, global::Azure.Storage.Blobs.Models.BlobStates.None, incident["incidentId"]!.GetValue<string>() + "/", cancellationToken))
            {
                dumps++;
            }
        }

        return new ScenarioObservation(incident, restarts, kills, scales, dumps, app);
    }
}
