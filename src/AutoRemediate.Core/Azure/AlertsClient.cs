using System.Text.RegularExpressions;
using AutoRemediate.Shared;

namespace AutoRemediate.Azure;

/// <summary>
/// Reads one alert instance from Azure Monitor's alerts management API (Microsoft.AlertsManagement).
/// Every error status is a <see cref="global::Azure.RequestFailedException"/>; an alert id outside the
/// grammar of <see cref="AlertIds"/> is an <see cref="ArgumentException"/> before any request.
/// </summary>
public interface IAlertsClient
{
    /// <summary>Reads the alert's own state: whether Azure Monitor still holds its condition met (Fired) or not (Resolved).</summary>
    Task<AlertStatus> GetAlertAsync(string alertId, CancellationToken cancellationToken = default);
}

/// <summary>An alert instance's state as Azure Monitor reports it (<c>properties.essentials</c>).</summary>
/// <param name="MonitorCondition">Fired or Resolved, as sent (null when absent).</param>
/// <param name="AlertState">New, Acknowledged or Closed: the user's workflow state, not the condition.</param>
/// <param name="ResolvedAt">When Azure Monitor resolved the condition (monitorConditionResolvedDateTime), if it did.</param>
public sealed record AlertStatus(string? MonitorCondition, string? AlertState, DateTimeOffset? ResolvedAt)
{
    /// <summary>Azure Monitor says the rule's condition is met.</summary>
    public bool IsFired => string.Equals(MonitorCondition, "Fired", StringComparison.OrdinalIgnoreCase);

    /// <summary>Azure Monitor says the rule's condition is no longer met (a metric alert resolves after three clean checks).</summary>
    public bool IsResolved => string.Equals(MonitorCondition, "Resolved", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The alert ids the pipeline will look up. The id comes from the webhook (untrusted), so only the exact
/// form Azure Monitor sends for an alert instance is accepted,
/// <c>/subscriptions/{guid}/providers/Microsoft.AlertsManagement/alerts/{guid}</c>, and the path the
/// request uses is rebuilt from the two GUIDs, never copied from the input.
/// </summary>
public static partial class AlertIds
{
    /// <summary>The canonical path of <paramref name="alertId"/>, or null when it is not an alert instance id of that form.</summary>
    public static string? Canonical(string? alertId)
    {
        if (alertId is null || alertId.Length > 200)
        {
            return null;
        }

        var match = Grammar().Match(alertId);
        return match.Success
            ? $"/subscriptions/{match.Groups["sub"].Value.ToLowerInvariant()}/providers/Microsoft.AlertsManagement/alerts/{match.Groups["alert"].Value.ToLowerInvariant()}"
            : null;
    }

    // ARM matches provider and type names in any case; the GUIDs are hex only, so nothing in the path needs escaping.
    [GeneratedRegex(
        @"\A/subscriptions/(?<sub>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/providers/Microsoft\.AlertsManagement/alerts/(?<alert>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Grammar();
}

/// <summary>
/// <see cref="IAlertsClient"/> on the shared <see cref="ArmPipeline"/>: <c>GET {alertId}?api-version=</c>
/// (<see cref="AzureOptions.AlertsApiVersion"/>, 2019-03-01 by default: the stable version whose spec has
/// Alerts_GetById; later versions are previews), reading <c>properties.essentials.monitorCondition</c>.
/// Needs <c>Microsoft.AlertsManagement/alerts/read</c> (Monitoring Reader).
/// </summary>
public sealed class AlertsClient : IAlertsClient
{
    private readonly ArmPipeline _arm;

    /// <summary>Creates the client.</summary>
    public AlertsClient(ArmPipeline arm)
    {
        _arm = arm;
    }

    /// <inheritdoc />
    public async Task<AlertStatus> GetAlertAsync(string alertId, CancellationToken cancellationToken = default)
    {
        var path = AlertIds.Canonical(alertId)
            ?? throw new ArgumentException($"'{Display.FirstLine(alertId ?? string.Empty)}' is not an Azure Monitor alert id (/subscriptions/{{guid}}/providers/Microsoft.AlertsManagement/alerts/{{guid}}).", nameof(alertId));
        var body = await _arm.Rest.GetJsonAsync(_arm.Url(path, _arm.Options.AlertsApiVersion), cancellationToken).ConfigureAwait(false);
        if (Json.Str(body, "id") is { } answered && !string.Equals(answered, path, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Asked for alert '{path}', ARM answered with '{Display.FirstLine(answered)}'.");
        }

        var essentials = Json.Obj(Json.Obj(body, "properties"), "essentials");
        return new AlertStatus(Json.Str(essentials, "monitorCondition"), Json.Str(essentials, "alertState"), Json.Time(essentials, "monitorConditionResolvedDateTime"));
    }
}
