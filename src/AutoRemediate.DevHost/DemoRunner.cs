using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoRemediate.DevHost;

/// <summary>
/// <c>demo</c> mode: posts the bundled sample alert to the running DevHost exactly as an action group
/// would, then follows the incident to its end, printing each timeline step as it appears.
/// </summary>
internal static class DemoRunner
{
    // Relaxed escaping: this JSON goes to a terminal, not into HTML.
    private static readonly JsonSerializerOptions s_pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Returns the process exit code: 0 when the incident reached an end state.</summary>
    public static async Task<int> RunAsync(Uri baseAddress, TextWriter output, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var alert = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "samples", "demo-alert.json"), cancellationToken))!;
        // A fresh alert instance per run, as Azure Monitor creates for each firing; a fixed id would
        // (correctly) be recognised as a duplicate of the previous demo's alert.
        var essentials = alert["data"]!["essentials"]!;
        essentials["alertId"] = $"/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";
        essentials["firedDateTime"] = DateTimeOffset.UtcNow.ToString("O");

        output.WriteLine($"demo: POST {new Uri(baseAddress, "/api/alerts")} (metric alert '{essentials["alertRule"]}' on {essentials["alertTargetIDs"]![0]})");
        using var response = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        var accepted = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        output.WriteLine($"demo: {(int)response.StatusCode} {response.StatusCode}: {accepted?.ToJsonString()}");
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted || accepted?["statusUrl"]?.GetValue<string>() is not { } statusUrl)
        {
            output.WriteLine("demo: the alert was not accepted; stopping.");
            return 1;
        }

        var printed = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var incident = await http.GetFromJsonAsync<JsonObject>(statusUrl, cancellationToken);
            var timeline = incident?["timeline"]?.AsArray() ?? [];
            foreach (var step in timeline.Skip(printed))
            {
                var at = DateTimeOffset.Parse(step!["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                output.WriteLine($"demo: [{at:HH:mm:ss.fff}] {step["kind"]}: {step["message"]}");
            }

            printed = timeline.Count;
            if (incident?["closed"]?.GetValue<bool>() == true)
            {
                output.WriteLine($"demo: incident {incident["incidentId"]} ended as {incident["status"]}:");
                output.WriteLine(incident.ToJsonString(s_pretty));
                return 0;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        }

        output.WriteLine($"demo: the incident did not end within {timeout.TotalSeconds:0} s.");
        return 1;
    }
}
