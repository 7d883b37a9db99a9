using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AutoRemediate.Testing;

/// <summary>Polls an incident's status URL as a person watching it would.</summary>
public static class IncidentPolling
{
    /// <summary>The incident once <paramref name="until"/> holds, or as it is when <paramref name="timeout"/> has passed (the caller asserts).</summary>
    public static async Task<JsonObject> WaitUntilAsync(HttpClient http, string statusUrl, Func<JsonObject, bool> until, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(until);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var incident = (await http.GetFromJsonAsync<JsonObject>(statusUrl))!;
            if (until(incident) || DateTime.UtcNow > deadline)
            {
                return incident;
            }

            await Task.Delay(200);
        }
    }
}
